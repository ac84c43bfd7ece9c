module task-processor

go 1.22
