module usersapi

go 1.22
