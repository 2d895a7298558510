resource "aws_security_group" "workers" {
  name = "palette-workers"
}
