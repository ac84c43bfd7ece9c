module json-encoder

go 1.22
