module ttl-cache

go 1.22
