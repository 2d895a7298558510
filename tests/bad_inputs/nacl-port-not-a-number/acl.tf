resource "aws_network_acl" "a" {
  vpc_id = "v"
  egress {
    rule_no = 100
    action = "allow"
    protocol = "tcp"
    from_port = "https"
    to_port = 443
    cidr_block = "0.0.0.0/0"
  }
}
