module dynamic-worker-pool

go 1.22
