module goproxyoracle

go 1.19
