module circuit-breaker

go 1.22
