resource "aws_security_group" "w" {
  ingress {
    from_port =
  }
}
