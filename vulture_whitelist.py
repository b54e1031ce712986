"""Names that frameworks call or read by name, for `vulture` (`make lint`), which cannot see them used.

vulture reports a definition no code refers to; these are referred to by a framework instead: a
method it calls on a subclass, an attribute it reads, a class it loads from a settings string.
Only such entry points belong here: anything else vulture reports is dead code. vulture matches
names, not classes, so each line clears the name everywhere.
(https://github.com/jendrikseipp/vulture#whitelists)
"""

from vulture.whitelist_utils import Whitelist

# Apache Beam: composite transforms, DoFn lifecycle and CombineFn methods; a pipeline option set.
beam = Whitelist()
beam.PTransform.expand
beam.DoFn.setup
beam.DoFn.start_bundle
beam.DoFn.finish_bundle
beam.CombineFn.create_accumulator
beam.CombineFn.add_input
beam.CombineFn.merge_accumulators
beam.CombineFn.extract_output
beam.DirectOptions.direct_running_mode

# argparse: the parameter names of an Action's __call__.
argparse = Whitelist()
argparse.Action.option_string

# PyTorch: modules' forward, and the TF32 switches of torch.backends.
torch = Whitelist()
torch.nn.Module.forward
torch.backends.cuda.matmul.allow_tf32

# Hugging Face tokenizers: attributes set on a Tokenizer.
tokenizers = Whitelist()
tokenizers.Tokenizer.pre_tokenizer
tokenizers.Tokenizer.encode_special_tokens

# Scrapy: component constructors and hooks, spider settings, the resolver and robots.txt parser
# interfaces (with Twisted's IHostnameResolver argument names), and the classes that
# crawl/spiders/settings.py and the spiders' custom_settings name by dotted path.
scrapy = Whitelist()
scrapy.from_crawler
scrapy.robotstxt_body
scrapy.install_on_reactor
scrapy.resolveHostName
scrapy.addressTypes
scrapy.transportSemantics
scrapy.open_spider
scrapy.close_spider
scrapy.process_item
scrapy.process_request
scrapy.process_response
scrapy.process_exception
scrapy.Spider.custom_settings
scrapy.StrictRobotsTxtMiddleware
scrapy.WaitMiddleware
scrapy.BackoffRetryMiddleware
scrapy.RateLimitMiddleware
scrapy.RefusedAddressMiddleware
scrapy.DeadHostMiddleware

# http.server / socketserver: the sample web's request handler and server.
http = Whitelist()
http.BaseHTTPRequestHandler.do_HEAD
http.BaseHTTPRequestHandler.do_POST
http.BaseHTTPRequestHandler.log_message
http.BaseHTTPRequestHandler.protocol_version
http.BaseHTTPRequestHandler.server_version
http.BaseHTTPRequestHandler.wbufsize
http.TCPServer.handle_error
http.TCPServer.daemon_threads
http.TCPServer.request_queue_size
http.TCPServer.allow_reuse_address

# pytest: module marks, a collection hook, and the node id that hook writes (tests/conftest.py).
pytest = Whitelist()
pytest.pytestmark
pytest.pytest_collection_modifyitems
pytest.Item._id
