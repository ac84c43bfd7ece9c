module singleflight

go 1.22
