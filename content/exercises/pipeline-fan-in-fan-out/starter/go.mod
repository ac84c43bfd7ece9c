module pipeline-fan-in-fan-out

go 1.22
