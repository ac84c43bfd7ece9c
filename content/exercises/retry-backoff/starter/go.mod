module retry-backoff

go 1.22
