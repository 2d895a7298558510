resource "aws_security_group" "workers" {
  name        = "palette-workers"
  description = "Palette workload cluster nodes"
  vpc_id      = var.vpc_id

  ingress {
    description = "SSH from the operators (optional)"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.operator_cidr]
  }

  egress {
    description = "HTTPS to Palette SaaS and registries"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "workers_nats" {
  type              = "egress"
  description       = "NATS message bus to Palette SaaS"
  from_port         = 4222
  to_port           = 4222
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.workers.id
}

resource "aws_security_group_rule" "workers_self" {
  type              = "ingress"
  description       = "node to node"
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  self              = true
  security_group_id = aws_security_group.workers.id
}
