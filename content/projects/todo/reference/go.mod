module todo

go 1.22
