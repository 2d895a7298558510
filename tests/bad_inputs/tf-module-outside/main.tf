module "shared" {
  source = "../../../fixtures/saas-ok"
}
