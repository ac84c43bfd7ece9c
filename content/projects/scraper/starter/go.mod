module scraper

go 1.22
