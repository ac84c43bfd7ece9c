module lru-cache

go 1.22
