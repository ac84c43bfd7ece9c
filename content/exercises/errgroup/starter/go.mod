module errgroup

go 1.22
