module "shared" {
  source = "../../../../../../../../../../../../../../../../etc/palette-policy"
}
