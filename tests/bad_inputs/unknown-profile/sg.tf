resource "aws_security_group" "w" {
  name = "palette-workers"
}
