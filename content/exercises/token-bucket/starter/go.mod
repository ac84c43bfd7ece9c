module token-bucket

go 1.22
