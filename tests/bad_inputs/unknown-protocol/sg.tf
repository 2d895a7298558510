resource "aws_security_group" "w" {
  name = "palette-workers"
  egress {
    from_port = 443
    to_port = 443
    protocol = "tcpx"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
