resource "aws_network_acl" "a" {
  vpc_id = "v"
  ingress {
    rule_no = 40000
    action = "allow"
    protocol = "tcp"
    from_port = 1
    to_port = 2
    cidr_block = "0.0.0.0/0"
  }
}
