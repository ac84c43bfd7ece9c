module leaky-bucket

go 1.22
