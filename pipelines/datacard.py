"""DATACARD.md beside the shards: the corpus described in the layout of a Hugging Face dataset card.

The layout is Hugging Face's (https://huggingface.co/docs/hub/datasets-cards): YAML metadata
(`pretty_name`, `language`, `license`, `size_categories`, `task_categories`), then the dataset's
summary, structure (files, fields, splits), creation (source data, processing, languages,
domains, sizes), the considerations for using it (known limitations), licensing, and how to
load it. Every figure is read from the run's own report data (its summary, the manifest's splits
and tokenizer) and its settings (as config.json holds them): the card is rewritten by every run,
so it is always true of the files beside it. The near-dedup error areas are those of the LSH
layout the run used (`webtext.dedup.lsh.optimal_bands`, after datasketch); the language sample
is `webtext.clean.language`'s.

The loading snippets name the output as the job was given it (`--output`): they run from the
folder the job ran in, or anywhere once the path is replaced by the card's folder.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from webtext.clean.language import SAMPLE_CHARS
from webtext.core import filesys
from webtext.core.docfiles import DOCUMENT_SCHEMA
from webtext.core.provenance import about_blocks
from webtext.core.render import Block, Bullets, Heading, Paragraph, to_markdown
from webtext.dedup.lsh import optimal_bands
from webtext.pipelines import report_domains, report_sections
from webtext.pipelines.datacard_processing import processing
from webtext.pipelines.figures import Figure
from webtext.pipelines.report_sections import count, percent, table

DATACARD = "DATACARD.md"
# Hugging Face's size_categories, by number of rows (documents).
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
          (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
_FIELDS = {
    "id": "the document id: 16 hex digits of BLAKE2b of its normalized URL",
    "url": "the page's final URL (after redirects)",
    "domain": "the page's host, without www.",
    "text": "the main text, one paragraph a line",
    "title": "the title the page declares",
    "fetched_at": "when the crawler fetched the page (WARC-Date)",
    "reddit": "the Reddit submissions that linked the URL: post_id, subreddit, score, created_utc, title, permalink",
    "language": "the language fastText detected (ISO 639-1 where the language has a code)",
    "language_score": "fastText's probability of that language",
    "date": "the publication date the page declares, if any",
    "drop_reason": "empty (null) for every kept document",
    "duplicate_of": "empty (null) for every kept document",
    "meta": "extraction details as JSON: source WARC file:offset, bytes, encoding, extraction mode",
    "split": "train, val or test",
}


def size_category(documents: int) -> str:
    """Hugging Face's size category of a dataset of `documents` rows."""
    return next((name for limit, name in _SIZES if documents < limit), "n>1B")


def _front_matter(report: Mapping[str, Any], pretty_name: str) -> str:
    kept = report["languages"]["kept"]
    languages = sorted(kept, key=lambda code: (-kept[code], code))
    lines = ["---", f"pretty_name: {json.dumps(pretty_name)}", "language:", *(f"- {json.dumps(c)}" for c in languages),
             "license: other", "size_categories:", f"- {json.dumps(size_category(_kept(report)))}",
             "task_categories:", "- text-generation", "task_ids:", "- language-modeling", "---"]
    return "\n".join(lines) + "\n\n"


def _kept(report: Mapping[str, Any]) -> int:
    return sum(s["documents"] for s in report["splits"].values())


def _tokens(report: Mapping[str, Any]) -> int:
    return sum(s["tokens"] for s in report["splits"].values())


def _summary(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    eval_sets = sections["job"]["eval"]
    checked = f", checked against {len(eval_sets)} evaluation sets" if eval_sets else ""
    total = report["accounting"]["input"]
    return [Paragraph(
        f"A WebText-style corpus (Radford et al. 2019, section 2): the main text of the web pages in the WARC files "
        f"{sections['job']['input']}, cleaned, de-duplicated{checked}, split into train, val and test by a hash of "
        f"each document's id, and tokenized with a byte-level BPE of {count(report['tokenizer']['vocab_size'])} "
        f"tokens. It holds {count(_kept(report))} documents ({percent(_kept(report), total)} of the {count(total)} "
        f"WARC records read) and {count(_tokens(report))} tokens. The report beside this card (report.md, "
        "report.html) shows the same run with its figures.")]


def _structure(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    shards = sum(s["shards"] for s in report["splits"].values())
    files = [f"{{split}}-{{index:05d}}-of-{{count:05d}}.arrow: {count(shards)} shards, Arrow IPC streams of token ids, "
             "one row per document",
             "manifest.json: every shard with its sizes and SHA-256, the tokenizer's hash, the split rule, the "
             "settings and the drops",
             f"tokenizer.json: the tokenizer (hash {report['tokenizer']['hash'][:12]}…)",
             "domains.csv: every registered domain with its documents and share",
             "config.json: every setting of the run; report.json, report.md and report.html: the report; "
             "dead-letters.jsonl: the unreadable records"]
    if report.get("documents"):
        files.insert(3, "documents/*.parquet: the documents' text and metadata, one file set per split, listed "
                        "with their SHA-256 in documents/_index.json")
    rows = [["id", "string", "the document id (as in the documents files)"],
            ["tokens", f"list<{report['tokenizer']['dtype']}>",
             f"token ids, ending with end-of-text ({report['tokenizer']['eot_id']})"]]
    blocks: list[Block] = [Heading("Files", 3), Bullets(tuple(files)), Heading("Fields", 3),
                           table("shard_fields", "A shard's rows", ["field", "type", "what it holds"], rows)]
    if report.get("documents"):
        schema = [(f.name, "list<struct>" if str(f.type).startswith("list<") else str(f.type)) for f in DOCUMENT_SCHEMA]
        rows = [[name, kind, _FIELDS[name]] for name, kind in [*schema, ("split", "string")]]
        blocks.append(table("document_fields", "A documents file's rows", ["field", "type", "what it holds"], rows))
    split = sections["split"]
    return blocks + [Heading("Splits", 3), *report_sections.splits(report), Paragraph(
        f"A document's split is fixed by BLAKE2b of its id: val {split['val_fraction']:g}, test "
        f"{split['test_fraction']:g}, train the rest; it never changes when the corpus is rebuilt.")]


def _source(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    from webtext.crawl.config import LinkConfig  # with Scrapy (0.5 s): imported by the driver only, never a worker

    counts, pages = report["accounting"], report["stages"][0]["documents"]
    return [Paragraph(
        f"Collection: the job read {count(counts['input'])} WARC response records from {sections['job']['input']}; "
        f"{count(pages)} were pages (HTTP 200). In WebText the links came from Reddit submissions with at least 3 "
        "karma (Radford et al. 2019, section 2.1); webtext crawl keeps the links whose submissions reach its "
        f"--min-score ({LinkConfig().min_score} by default) and records each page's submissions in its WARC record, "
        "which the documents keep (the reddit field)."),
        *([Paragraph(report_sections.archived_sentence(report))] if report["archived"] else []),
        Paragraph("What the job does not know: the karma threshold and the dates the crawl used, the links it could "
                  "not fetch (the crawl's summary.json lists them), and whether the WARC files came from that "
                  "crawl or elsewhere (Common Crawl files carry no Reddit submissions).")]


def _limitations(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    filters, dedup = sections["clean"]["filters"], sections["dedup"]
    banding = optimal_bands(dedup["threshold"], dedup["num_perm"])
    languages = " ".join(filters["languages"])
    kept_as = (f"kept when detected as {languages} with a probability of at least {filters['min_language_score']:g}"
               if languages else "every language was kept")
    mode = dedup["decontaminate"] if report["decontamination"] else "none"
    decontamination = {
        "none": "No evaluation set was given: text of a benchmark that is on the web may be in any split.",
        "measure": f"Measured, not removed: the {dedup['overlap_ngram']}-gram overlap with each evaluation set is "
                   "reported (report.md, Decontamination), and that text stays in the corpus.",
        "near": "Documents that are near duplicates of a whole evaluation document were removed; a shorter "
                "passage quoted from one stays.",
        "ngram": f"GPT-3's rule: every {dedup['contamination_ngram']}-gram shared with an evaluation set was cut out "
                 f"with {dedup['contamination_margin']} characters on each side; shorter overlaps stay."}[mode]
    top = report["domains"]["top"][:10]
    return [Bullets((
        f"Language identification: fastText's lid.176 model reads up to {SAMPLE_CHARS} characters of each text (its "
        f"start, middle and end); it misreads pages that mix languages or quote another at length, and cannot name "
        f"a language it lacks. Documents were {kept_as}.",
        f"Near duplicates are found approximately: MinHash over {dedup['shingle_size']}-word shingles with "
        f"{dedup['num_perm']} permutations, LSH in {banding.bands} bands of {banding.rows} rows, at Jaccard "
        f"{dedup['threshold']:g}. Pairs below the threshold become candidates with an area of "
        f"{banding.false_positive:.3f} under the LSH curve (false positives"
        f"{', then checked by their estimated similarity' if dedup['verify'] else ', kept as duplicates'}) and pairs "
        f"above it are missed with an area of {banding.false_negative:.3f} (false negatives); the estimate itself "
        f"errs by about {1 / math.sqrt(dedup['num_perm']):.2f}, and a bucket compares at most "
        f"{dedup['max_bucket_representatives']} dissimilar documents.",
        f"Decontamination: {decontamination}",
        f"Crawled content: the documents are what the linking community chose to share; the 10 largest domains "
        f"hold {percent(sum(d['documents'] for d in top), report['domains']['documents'])} of them. Pages may hold "
        "offensive, false or personal information: nothing was removed for that.",
    ))]


def _licensing() -> list[Block]:
    return [Bullets((
        "The documents' text stays under the copyright of its owners, the sites it was crawled from: the corpus "
        "gives no licence to it (license: other). Use it where the law allows it (text and data mining) and honour "
        "removal requests.",
        "This card, the report and the code that made them: Apache-2.0 (the webtext package).",
        "WebText's domain list, the reference of the WebText comparison: OpenAI's GPT-2 release, modified MIT "
        "licence.",
    ))]


def _loading(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    corpus = json.dumps(sections["job"]["output"])
    shards = ("```python\nfrom webtext.tokenize.bpe import load_tokenizer\n"
              "from webtext.tokenize.shards import ShardSet\n"
              f"\ntrain = ShardSet.open({corpus}, \"train\")  # checks every shard against manifest.json\n"
              "tokenizer = load_tokenizer(train.directory / train.manifest[\"tokenizer\"][\"file\"])\n"
              "print(train.n_docs, \"documents,\", train.n_tokens, \"tokens\")\n"
              "print(tokenizer.decode(train.document(0)[:-1].tolist())[:200])  # without its end-of-text token\n```")
    blocks: list[Block] = [Paragraph("The token shards of a split, memory-mapped and checked (webtext installed):"),
                           Paragraph(shards)]
    if report.get("documents"):
        folder = json.dumps(filesys.join(sections["job"]["output"], "documents"))
        documents = ("```python\nimport pyarrow.parquet as pq\n\n"
                     f"documents = pq.read_table({folder}).to_pandas()  # every split; _index.json is skipped\n"
                     "train = documents[documents[\"split\"] == \"train\"]\n"
                     "print(len(train), \"train documents; the first:\", train.iloc[0][\"url\"])\n```")
        blocks += [Paragraph("The documents' text and metadata, with pyarrow and pandas:"), Paragraph(documents)]
    return blocks


def datacard_blocks(report: Mapping[str, Any], sections: Mapping[str, Any],
                    figures: Mapping[str, Figure]) -> list[Block]:
    """The card's blocks, after its YAML metadata."""
    title = Heading(f"Dataset card: WebText-style corpus of {count(_kept(report))} documents", 1)
    return [title,
            Heading("Dataset Summary"), *_summary(report, sections),
            Heading("Dataset Structure"), *_structure(report, sections),
            Heading("Dataset Creation"),
            Heading("Source Data", 3), *_source(report, sections),
            Heading("Processing", 3), *processing(report, sections),
            Heading("Languages", 3), *report_sections.languages(report),
            Heading("Domains", 3), *report_domains.domains(report),
            Heading("Compared with WebText", 4), *report_domains.fidelity(report, figures),
            Heading("Sizes", 3), *report_sections.stages(report),
            Heading("Considerations for Using the Data"),
            Heading("Known Limitations", 3), *_limitations(report, sections),
            Heading("Licensing Information"), *_licensing(),
            Heading("How to load it"), *_loading(report, sections),
            Heading("About this card"), *about_blocks(report["provenance"])[1:]]


def write_datacard(out: str, report: Mapping[str, Any], sections: Mapping[str, Any],
                   figures: Mapping[str, Figure]) -> None:
    """Write DATACARD.md into `out` (a path or a URL), whole or not at all."""
    pretty_name = f"WebText-style corpus: {count(_kept(report))} documents, {count(_tokens(report))} tokens"
    with filesys.open_write(filesys.join(out, DATACARD), "w") as handle:
        handle.write(_front_matter(report, pretty_name) + to_markdown(datacard_blocks(report, sections, figures)))
