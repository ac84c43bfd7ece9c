module taskprocessor

go 1.22
