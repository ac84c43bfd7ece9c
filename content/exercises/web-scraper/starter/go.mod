module web-scraper

go 1.22
