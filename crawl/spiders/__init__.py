"""The Scrapy project: settings, the listing and page spiders, their middlewares, and the item
pipeline (`items_to_warc`) with its writer process."""
