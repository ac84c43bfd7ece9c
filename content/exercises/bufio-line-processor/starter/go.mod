module bufio-line-processor

go 1.22
