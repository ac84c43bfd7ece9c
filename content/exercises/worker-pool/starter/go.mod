module worker-pool

go 1.22
