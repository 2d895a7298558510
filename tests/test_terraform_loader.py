"""The Terraform loader reads what Terraform would deploy: variables files and options in Terraform's order,
every module instance however many, null kept apart from unknown, Terraform's conversions, module outputs
through their output blocks, data sources, and what it cannot expand made explicit (docs/semantics.md T1–T3).
Each test's expectation comes from Terraform's documented behaviour for the configuration it writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from validator.ingest.loaders.terraform import VariableOptions
from validator.ingest.loaders.terraform.evaluate import load_root
from validator.model.inventory import Inventory

TOPOLOGY = """profiles: [saas]
management:
  hosts: [api.spectrocloud.com]
  addresses: [internet]
operators: [198.51.100.0/24]
registries:
  hosts: [registry.spectrocloud.com]
  addresses: [internet]
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
    security_groups: [{group}]
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def load(folder: Path, options: VariableOptions | None = None) -> Inventory:
    names = [p.name for p in folder.iterdir() if p.is_file()]
    return load_root(folder, "", names, options).inventory


def group(inv: Inventory, key: str) -> Any:
    assert key in inv.points, f"{key} not in {sorted(inv.points)[:20]}"
    return inv.points[key]


def cidrs(rule: Any) -> list[str]:
    return rule.peer.addresses.cidrs()


SG_FROM_VAR = """
variable "workload_cidr" {
  default = "10.20.0.0/16"
}
variable "ssh_cidr" {
  default = "10.0.0.0/8"
}
resource "aws_security_group" "workers" {
  name = "palette-workers"
  egress {
    from_port   = 4222
    to_port     = 4222
    protocol    = "tcp"
    cidr_blocks = [var.workload_cidr]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.ssh_cidr]
  }
}
"""


# --- 1. variables files and options (T1) --------------------------------------------------------------
def test_precedence_defaults_env_tfvars_auto_files_command_line(tmp_path: Path) -> None:
    """Each layer sets p<k>..p7 to its own number: p<k> must end with k, the layer that set it last."""
    decls = "".join(f'variable "p{k}" {{\n  default = "0"\n}}\n' for k in range(1, 9))
    refs = ", ".join(f'"${{var.p{k}}}"' for k in range(1, 9))
    files = {
        "main.tf": decls
        + f'locals {{\n  all = [{refs}]\n}}\noutput "all" {{\n  value = local.all\n}}\n'
        + 'resource "aws_security_group" "g" {\n  name = join("-", local.all)\n}\n',
        "terraform.tfvars": "".join(f'p{k} = "2"\n' for k in range(2, 9)),
        "terraform.tfvars.json": json.dumps({f"p{k}": "3" for k in range(3, 9)}),
        "b.auto.tfvars": "".join(f'p{k} = "5"\n' for k in range(5, 9)),
        "a.auto.tfvars.json": json.dumps({f"p{k}": "4" for k in range(4, 9)}),  # lexically before b
        "extra.tfvars": "".join(f'p{k} = "6"\n' for k in range(6, 9)),  # only with --var-file
        "ignored.tfvars": 'p1 = "never"\n',  # not auto-loaded
    }
    folder = write(tmp_path, files)
    options = VariableOptions(
        command_line=(("var-file", str(folder / "extra.tfvars")), ("var", "p7=7"), ("var", "p8=8")),
        environment=tuple((f"TF_VAR_p{k}", "1") for k in range(1, 9)),
    )
    root = load_root(folder, "", [p.name for p in folder.iterdir()], options)
    assert group(root.inventory, "aws_security_group.g").name == "1-2-3-4-5-6-7-8"
    assert root.variable_files == [
        "terraform.tfvars",
        "terraform.tfvars.json",
        "a.auto.tfvars.json",
        "b.auto.tfvars",
        str(folder / "extra.tfvars"),
    ]
    assert root.environment == [f"TF_VAR_p{k}" for k in range(1, 9)] and root.command_line == ["p7", "p8"]


def test_command_line_order_decides_between_var_and_var_file(tmp_path: Path) -> None:
    folder = write(tmp_path, {"main.tf": 'variable "n" {}\nresource "aws_security_group" "g" {\n  name = var.n\n}\n',
                              "f.tfvars": 'n = "from-file"\n'})  # fmt: skip
    later_file = VariableOptions((("var", "n=from-var"), ("var-file", str(folder / "f.tfvars"))))
    later_var = VariableOptions((("var-file", str(folder / "f.tfvars")), ("var", "n=from-var")))
    assert group(load(folder, later_file), "aws_security_group.g").name == "from-file"
    assert group(load(folder, later_var), "aws_security_group.g").name == "from-var"


def test_complex_values_from_the_environment_are_hcl(tmp_path: Path) -> None:
    folder = write(tmp_path, {"main.tf": SG_FROM_VAR.replace('default = "10.0.0.0/8"', "type = list(string)")
                              .replace("cidr_blocks = [var.ssh_cidr]", "cidr_blocks = var.ssh_cidr")})  # fmt: skip
    inv = load(folder, VariableOptions(environment=(("TF_VAR_ssh_cidr", '["192.0.2.0/24", "198.51.100.7/32"]'),)))
    ingress = next(r for r in group(inv, "aws_security_group.workers").rules if r.direction == "ingress")
    assert cidrs(ingress) == ["192.0.2.0/24", "198.51.100.7/32"]


def test_a_variable_nobody_sets_is_unknown_with_its_name(tmp_path: Path) -> None:
    folder = write(tmp_path, {"main.tf": SG_FROM_VAR.replace('default = "10.20.0.0/16"', "type = string")})
    egress = next(r for r in group(load(folder), "aws_security_group.workers").rules if r.direction == "egress")
    assert [(u.field, u.expression) for u in egress.unknowns] == [("cidr_ipv4", "var.workload_cidr")]
    assert "no value" in egress.unknowns[0].reason and egress.unknowns[0].source.line == 2


def test_tfvars_decide_the_verdicts(cli, tmp_path: Path) -> None:
    """The deployed values, not the defaults: terraform.tfvars moves the NATS egress away from management,
    an *.auto.tfvars opens SSH to the world."""
    folder = write(
        tmp_path / "net",
        {
            "main.tf": SG_FROM_VAR.replace("10.20.0.0/16", "0.0.0.0/0"),
            "palette-network.yaml": TOPOLOGY.format(group="palette-workers"),
        },
    )
    result = cli("validate", folder, "--format", "json")
    before = json.loads(result.stdout)
    nats = next(r for r in before["results"] if r["requirement"] == "saas-agent-nats")
    assert nats["verdict"] == "reachable"
    (folder / "terraform.tfvars").write_text('workload_cidr = "10.99.0.0/16"\n')
    (folder / "zz-open.auto.tfvars").write_text('ssh_cidr = "0.0.0.0/0"\n')
    after = json.loads(cli("validate", folder, "--format", "json").stdout)
    nats = next(r for r in after["results"] if r["requirement"] == "saas-agent-nats")
    assert nats["verdict"] == "blocked"
    assert any(f["id"] == "PP-EXPOSED-PORT" and "tcp/22" in f["message"] for f in after["findings"])
    assert after["inputs"]["terraform_variables"] == {"files": ["terraform.tfvars", "zz-open.auto.tfvars"]}
    assert not any(s["path"].endswith("tfvars") for s in after["inputs"]["skipped"])


def test_values_are_never_recorded_only_names(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write(
        tmp_path / "net",
        {
            "main.tf": SG_FROM_VAR + 'variable "token" {\n  sensitive = true\n  default = ""\n}\n',
            "palette-network.yaml": TOPOLOGY.format(group="palette-workers"),
        },
    )
    monkeypatch.setenv("TF_VAR_token", "s3cret-from-env")
    evidence = tmp_path / "evidence"
    result = cli("validate", folder, "--format", "json", "--var", "token=s3cret-from-cli", "--evidence", evidence)
    report = json.loads(result.stdout)
    assert report["inputs"]["terraform_variables"] == {"environment": ["TF_VAR_token"], "command_line": ["token"]}
    manifest = (evidence / "manifest.json").read_text()
    for text in (result.stdout, manifest, (evidence / "report.json").read_text()):
        assert "s3cret" not in text.replace("token=s3cret-from-cli", "")  # the command line is the user's own
    assert json.loads(manifest)["inputs"]["terraform_variables"]["environment"] == ["TF_VAR_token"]


def test_variables_file_errors_are_located(cli, tmp_path: Path) -> None:
    folder = write(tmp_path / "net", {"main.tf": SG_FROM_VAR, "terraform.tfvars": 'ssh_cidr = "10.0.0.0/8"\nx =\n',
                                      "palette-network.yaml": TOPOLOGY.format(group="palette-workers")})  # fmt: skip
    result = cli("validate", folder)
    assert result.exit_code == 2 and "terraform.tfvars:2" in result.stderr


# --- 2. every module instance ---------------------------------------------------------------------------
MODULE = """variable "name" {
  type = string
}
variable "port" {
  type = number
  default = 443
}
resource "aws_security_group" "this" {
  name = var.name
  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
output "id" {
  value = aws_security_group.this.id
}
"""


def test_a_thousand_module_instances_are_all_read(tmp_path: Path) -> None:
    write(tmp_path / "modules/sg", {"main.tf": MODULE})
    root = write(tmp_path / "live", {"main.tf": """
module "many" {
  source   = "../modules/sg"
  for_each = { for i in range(1000) : format("g%04d", i) => i }
  name     = each.key
  port     = 1000 + each.value
}
module "counted" {
  source = "../modules/sg"
  count  = 50
  name   = "c${count.index}"
}
"""})  # fmt: skip
    inv = load(root)
    many = [k for k in inv.points if k.startswith('module.many["')]
    assert len(many) == 1000 and len([k for k in inv.points if k.startswith("module.counted[")]) == 50
    g999 = group(inv, 'module.many["g0999"].aws_security_group.this')
    assert g999.name == "g0999" and str(g999.rules[0].ports) == "1999"
    assert not inv.issues


def test_nested_for_each_modules(tmp_path: Path) -> None:
    write(tmp_path / "modules/sg", {"main.tf": MODULE})
    write(tmp_path / "modules/tier", {"main.tf": """
variable "env" {}
module "app" {
  source   = "../sg"
  for_each = toset(["a", "b", "c"])
  name     = "${var.env}-${each.key}"
}
output "ids" {
  value = { for k, m in module.app : k => m.id }
}
"""})  # fmt: skip
    root = write(tmp_path / "live", {"main.tf": """
module "env" {
  source   = "../modules/tier"
  for_each = toset([for i in range(20) : "e${i}"])
  env      = each.key
}
resource "aws_security_group" "client" {
  name = "client"
  egress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [module.env["e7"].ids["b"]]
  }
}
"""})  # fmt: skip
    inv = load(root)
    nested = [k for k in inv.points if k.startswith("module.env[")]
    assert len(nested) == 60
    client = group(inv, "aws_security_group.client")
    assert client.rules[0].peer.groups == ('module.env["e7"].module.app["b"].aws_security_group.this',)
    assert group(inv, 'module.env["e7"].module.app["b"].aws_security_group.this').name == "e7-b"


def test_a_topology_names_a_module_instance_group(cli, tmp_path: Path) -> None:
    write(tmp_path / "net/modules/sg", {"main.tf": MODULE})
    folder = write(tmp_path / "net", {
        "live/main.tf": 'module "g" {\n  source   = "../modules/sg"\n  for_each = toset([for i in range(40) :'
                        ' "w${i}"])\n  name     = each.key\n}\n',
        "palette-network.yaml": TOPOLOGY.format(group="w39"),
    })  # fmt: skip
    result = cli("validate", folder, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert "not declared" not in result.stdout


def test_a_group_without_a_name_is_named_in_the_topology_as_reports_show_it(cli, tmp_path: Path) -> None:
    """A group with no ``name`` (AWS then makes one up) is shown by its resource name: that name binds it."""
    folder = write(tmp_path / "net", {
        "main.tf": 'resource "aws_security_group" "scanner_sg" {\n  tags = { Name = "Scanners" }\n  egress {\n'
                   '    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n'
                   '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
        "palette-network.yaml": TOPOLOGY.format(group="scanner_sg"),
    })  # fmt: skip
    result = cli("validate", folder, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    agent = next(r for r in json.loads(result.stdout)["results"] if r["requirement"] == "saas-agent-https")
    assert agent["verdict"] == "reachable"
    assert agent["hops"][0]["layers"][0]["layer"] == "egress of prod (scanner_sg)"


def test_what_cannot_be_expanded_is_an_input_issue_and_a_deny(cli, tmp_path: Path) -> None:
    folder = write(tmp_path / "net", {
        "main.tf": """
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
data "aws_subnets" "all" {}
module "per_subnet" {
  source   = "./sg"
  for_each = toset(data.aws_subnets.all.ids)
  name     = each.key
}
resource "aws_security_group" "workers" {
  name = "palette-workers"
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [module.vpc.vpc_cidr_block]
  }
}
""",
        "sg/main.tf": MODULE,
        "palette-network.yaml": TOPOLOGY.format(group="palette-workers"),
    })  # fmt: skip
    inv = load(folder)
    issues = {(i.kind, i.source.line) for i in inv.issues}
    assert ("module-not-expanded", 2) in issues and ("module-not-expanded", 6) in issues
    egress = group(inv, "aws_security_group.workers").rules[0]
    assert [(u.field, u.expression, u.source.line) for u in egress.unknowns] == [
        ("cidr_ipv4", "module.vpc.vpc_cidr_block", 17)
    ]
    report = json.loads(cli("validate", folder, "--format", "json").stdout)
    incomplete = [f for f in report["findings"] if f["id"] == "PP-INPUT-INCOMPLETE"]
    assert {f["locations"][0]["line"] for f in incomplete} == {2, 6} and {f["kind"] for f in incomplete} == {"deny"}
    # once `terraform init` has installed the module, it is read from .terraform/modules
    installed = folder / ".terraform/modules/vpc"
    write(installed, {"main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                                 'output "vpc_cidr_block" {\n  value = aws_vpc.this.cidr_block\n}\n'})  # fmt: skip
    (folder / ".terraform/modules/modules.json").write_text(
        json.dumps({"Modules": [{"Key": "", "Source": "", "Dir": "."},
                                {"Key": "vpc", "Source": "registry.terraform.io/x", "Dir": ".terraform/modules/vpc"}]})
    )  # fmt: skip
    inv = load(folder)
    assert [i.source.line for i in inv.issues if i.kind == "module-not-expanded"] == [6]
    assert cidrs(group(inv, "aws_security_group.workers").rules[0]) == ["10.0.0.0/16"]


ATTRIBUTE_FORM = """
variable "dst" {}
resource "aws_security_group" "x" {
  name = "x"
  ingress = [{
    from_port = 443, to_port = 443, protocol = "tcp", cidr_blocks = ["10.0.0.0/8"], description = "",
    ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [], self = false
  }]
  egress = [for p in [22, 80] : {
    from_port = p, to_port = p, protocol = "tcp", cidr_blocks = [var.dst], description = "",
    ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [], self = false
  }]
}
resource "aws_security_group" "none" {
  name   = "none"
  egress = []
}
resource "aws_security_group" "later" {
  name    = "later"
  ingress = var.dst == "" ? [] : null
}
resource "aws_network_acl" "n" {
  vpc_id = "vpc-1"
  egress = [
    { rule_no = 100, action = "deny", protocol = "tcp", from_port = 443, to_port = 443, cidr_block = "0.0.0.0/0" },
    { rule_no = 200, action = "allow", protocol = "-1", from_port = 0, to_port = 0, cidr_block = "0.0.0.0/0" },
  ]
  ingress = var.dst == "" ? [] : null
}
"""


def test_rules_written_as_attributes_are_read_like_blocks(tmp_path: Path) -> None:
    """The provider reads ingress/egress in attributes-as-blocks mode: `ingress = [{…}]` are rules as much as
    `ingress {…}` blocks (they were dropped without a word), `egress = []` is none."""
    inv = load(write(tmp_path, {"main.tf": ATTRIBUTE_FORM}))
    x = group(inv, "aws_security_group.x")
    assert [(r.direction, str(r.ports), cidrs(r), r.source.line) for r in x.rules if not r.unknowns] == [
        ("ingress", "443", ["10.0.0.0/8"], 5)
    ]
    assert [(r.direction, str(r.ports), [u.expression for u in r.unknowns]) for r in x.rules if r.unknowns] == [
        ("egress", "22", ["var.dst"]),
        ("egress", "80", ["var.dst"]),
    ]
    assert group(inv, "aws_security_group.none").rules == []
    acl = group(inv, "aws_network_acl.n")
    assert [(r.order, r.action, r.direction, str(r.ports)) for r in acl.rules] == [
        (100, "deny", "egress", "443"),
        (200, "allow", "egress", "all"),
    ]
    # the whole list unknown: a rule that may exist with every part unknown, never no rule; an ACL entry whose
    # number is unknown cannot be placed: an input issue, as for a block
    (maybe,) = group(inv, "aws_security_group.later").rules
    assert {u.field for u in maybe.unknowns} >= {"rule", "from_port", "cidr_ipv4"}
    assert [(i.kind, i.source.line) for i in inv.issues] == [("rule-unknown", 28)]


def test_a_network_policy_declared_in_terraform_is_an_input_issue_not_a_silent_drop(tmp_path: Path) -> None:
    """kubernetes_network_policy(_v1) carries rules palette-policy reads from manifests only: each instance that
    exists is an issue at its block (none for count = 0), so a default-deny written in Terraform cannot pass."""
    policy = (
        'resource "{t}" "{n}" {{\n  count = {c}\n  metadata {{\n    name = "deny"\n    namespace = "agents"\n  }}\n'
        '  spec {{\n    pod_selector {{}}\n    policy_types = ["Egress"]\n  }}\n}}\n'
    )
    text = policy.format(t="kubernetes_network_policy_v1", n="deny", c=1) + policy.format(
        t="kubernetes_network_policy", n="off", c=0
    )
    inv = load(write(tmp_path, {"main.tf": text}))
    assert [(i.kind, i.source.line) for i in inv.issues] == [("resource-not-read", 1)]
    assert inv.issues[0].message.startswith("kubernetes_network_policy_v1.deny: a NetworkPolicy declared in Terraform")


def test_an_unknown_count_is_an_input_issue(tmp_path: Path) -> None:
    folder = write(tmp_path, {"main.tf": 'data "aws_vpc" "v" {}\nresource "aws_security_group" "g" {\n'
                                         "  count = data.aws_vpc.v.enable_dns_support ? 1 : 0\n}\n"})  # fmt: skip
    inv = load(folder)
    assert [(i.kind, i.source.line) for i in inv.issues] == [("instances-unknown", 2)]
    assert "data.aws_vpc.v.enable_dns_support" in inv.issues[0].message and not inv.points


# --- 3. null is not unknown -------------------------------------------------------------------------------
def test_absent_and_null_attributes_are_absent_references_unknown(tmp_path: Path) -> None:
    folder = write(tmp_path, {"main.tf": """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_security_group" "g" {
  name = "g"
}
resource "aws_vpc_security_group_ingress_rule" "r" {
  for_each = {
    self  = { ref = aws_security_group.g.id }
    vpc   = { cidr = aws_vpc.main.cidr_block }
    later = { cidr = aws_vpc.main.ipv6_cidr_block }
  }
  security_group_id            = aws_security_group.g.id
  ip_protocol                  = "-1"
  cidr_ipv4                    = try(each.value.cidr, null)
  referenced_security_group_id = try(each.value.ref, null)
  prefix_list_id               = null
}
"""})  # fmt: skip
    rules = {r.source.resource: r for r in group(load(folder), "aws_security_group.g").rules}
    own = rules['aws_vpc_security_group_ingress_rule.r["self"]']
    assert own.peer.groups == ("aws_security_group.g",) and not own.unknowns and not own.peer.addresses
    vpc = rules['aws_vpc_security_group_ingress_rule.r["vpc"]']
    assert cidrs(vpc) == ["10.0.0.0/16"] and not vpc.unknowns  # a configured attribute is known at plan time
    later = rules['aws_vpc_security_group_ingress_rule.r["later"]']
    assert [(u.field, u.expression, u.source.line) for u in later.unknowns] == [
        ("cidr_ipv4", "aws_vpc.main.ipv6_cidr_block", 12)
    ]


# --- 4. Terraform's conversions ---------------------------------------------------------------------------
def test_self_and_ports_as_strings_from_list_of_maps(tmp_path: Path) -> None:
    write(tmp_path / "m", {"main.tf": """
variable "rules" {
  type = list(map(string))
}
resource "aws_security_group" "this" {
  name = "wrapped"
}
resource "aws_security_group_rule" "r" {
  count             = length(var.rules)
  type              = "ingress"
  security_group_id = aws_security_group.this.id
  from_port         = var.rules[count.index]["from_port"]
  to_port           = var.rules[count.index]["to_port"]
  protocol          = var.rules[count.index]["protocol"]
  self              = lookup(var.rules[count.index], "self", false)
}
"""})  # fmt: skip
    root = write(tmp_path / "live", {"main.tf": 'module "w" {\n  source = "../m"\n  rules = [\n'
                                     '    { from_port = -1, to_port = -1, protocol = -1, self = true },\n'
                                     '    { from_port = 22, to_port = 22, protocol = 6 },\n  ]\n}\n'})  # fmt: skip
    rules = group(load(root), "module.w.aws_security_group.this").rules
    all_self, ssh = sorted(rules, key=lambda r: r.source.resource)
    assert (all_self.protocol, all_self.peer.groups) == ("all", ("module.w.aws_security_group.this",))
    assert (ssh.protocol, str(ssh.ports), ssh.peer.groups) == ("tcp", "22", ())


# --- 5. module outputs, any name, any depth ---------------------------------------------------------------
def test_module_outputs_resolve_through_their_output_blocks(tmp_path: Path) -> None:
    write(tmp_path / "inner", {"main.tf": MODULE})
    write(tmp_path / "outer", {"main.tf": 'module "inner" {\n  source = "../inner"\n  name = "palette-mgmt"\n}\n'
                                          'output "anything" {\n  value = module.inner.id\n}\n'})  # fmt: skip
    root = write(tmp_path / "live", {"main.tf": """
module "mgmt" {
  source = "../inner"
  name   = "mgmt"
}
module "deep" {
  source = "../outer"
}
resource "aws_security_group" "workers" {
  name = "palette-workers"
  egress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [module.mgmt.id, module.deep.anything]
  }
}
"""})  # fmt: skip
    egress = group(load(root), "aws_security_group.workers").rules[0]
    assert egress.peer.groups == (
        "module.mgmt.aws_security_group.this",
        "module.deep.module.inner.aws_security_group.this",
    )
    assert not egress.unknowns


def test_data_sources_resolve_only_to_what_the_repository_declares(tmp_path: Path) -> None:
    folder = write(tmp_path, {"main.tf": """
resource "aws_security_group" "mgmt" {
  name = "palette-mgmt"
}
data "aws_security_group" "by_name" {
  name = "palette-mgmt"
}
data "aws_security_group" "elsewhere" {
  name = "not-here"
}
data "terraform_remote_state" "net" {
  backend = "s3"
}
resource "aws_security_group" "workers" {
  name = "palette-workers"
  egress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [data.aws_security_group.by_name.id]
  }
  egress {
    from_port       = 4222
    to_port         = 4222
    protocol        = "tcp"
    security_groups = [data.aws_security_group.elsewhere.id]
    cidr_blocks     = [data.terraform_remote_state.net.outputs.cidr]
  }
}
"""})  # fmt: skip
    by_name, elsewhere = group(load(folder), "aws_security_group.workers").rules
    assert by_name.peer.groups == ("aws_security_group.mgmt",) and not by_name.unknowns
    assert {(u.field, u.expression) for u in elsewhere.unknowns} == {
        ("group", "data.aws_security_group.elsewhere.id"),
        ("cidr_ipv4", "data.terraform_remote_state.net.outputs.cidr"),
    }
    assert all("data source" in u.reason for u in elsewhere.unknowns)


# --- CIDRs AWS would rewrite, a Go-style parser crash -------------------------------------------------------
def test_cidr_with_host_bits_is_a_finding_at_its_line_not_an_error(cli, tmp_path: Path) -> None:
    folder = write(tmp_path / "net", {
        "main.tf": SG_FROM_VAR.replace('"10.0.0.0/8"', '"10.1.2.3/8"'),
        "palette-network.yaml": TOPOLOGY.format(group="palette-workers"),
    })  # fmt: skip
    result = cli("validate", folder, "--format", "json")
    assert result.exit_code == 1, result.stderr
    found = [f for f in json.loads(result.stdout)["findings"] if f["id"] == "PP-CIDR-NOT-CANONICAL"]
    ingress_line = SG_FROM_VAR.splitlines().index("  ingress {") + 1
    assert len(found) == 1 and found[0]["kind"] == "deny" and found[0]["locations"][0]["line"] == ingress_line
    assert "10.0.0.0/8" in found[0]["message"]


def test_an_invalid_type_is_a_located_error(cli, tmp_path: Path) -> None:
    folder = write(tmp_path / "net", {"main.tf": 'variable "x" {\n  type = strng\n}\n',
                                      "palette-network.yaml": TOPOLOGY.format(group="g")})  # fmt: skip
    result = cli("validate", folder)
    assert result.exit_code == 2 and "main.tf:2" in result.stderr and "Traceback" not in result.stderr


def test_module_folders_are_not_roots_of_their_own(tmp_path: Path) -> None:
    """A module repository's own folder (used by its examples) is not applied by itself."""
    from validator.ingest.discover import discover
    from validator.ingest.loaders.registry import load_all

    write(
        tmp_path, {"main.tf": MODULE, "examples/one/main.tf": 'module "a" {\n  source = "../.."\n  name = "one"\n}\n'}
    )
    inv = load_all(discover(tmp_path))
    assert sorted(inv.points) == ["examples/one:module.a.aws_security_group.this"]


def test_the_loader_result_is_plain_data(tmp_path: Path) -> None:
    """The loader runs as a pure function: its result crosses a process boundary."""
    import pickle

    write(tmp_path / "modules/sg", {"main.tf": MODULE})
    root = write(tmp_path / "live", {"main.tf": 'module "m" {\n  source = "../modules/sg"\n  name = "x"\n}\n'})
    loaded = load_root(root, "live", ["main.tf"])
    again = pickle.loads(pickle.dumps(loaded))
    assert sorted(again.inventory.points) == ["live:module.m.aws_security_group.this"]
    assert again.files_read == ["live/main.tf", "modules/sg/main.tf"]


def test_a_module_calling_itself_and_absurd_nesting_are_reported_not_crashes(cli, tmp_path: Path) -> None:
    folder = write(tmp_path / "net", {
        "main.tf": 'module "me" {\n  source = "./"\n}\nresource "aws_security_group" "g" {\n  name = "g"\n}\n',
        "palette-network.yaml": TOPOLOGY.format(group="g"),
    })  # fmt: skip
    inv = load(folder)
    assert "aws_security_group.g" in inv.points
    assert [(i.kind, i.source.line) for i in inv.issues] == [("module-not-expanded", 1)]
    (folder / "deep.tf").write_text("locals {\n  x = " + "(" * 500 + "1" + ")" * 500 + "\n}\n")
    result = cli("validate", folder)
    assert result.exit_code == 2 and "deep.tf:2" in result.stderr and "nested" in result.stderr


def test_a_reference_that_is_no_string_is_an_unknown_on_the_rule(tmp_path: Path) -> None:
    """``prefix_list_ids = 443`` names no prefix list: Terraform refuses it, the loader keeps the rule with an
    unknown peer (never an internal error, never a rule quietly read without that peer)."""
    folder = write(tmp_path, {"main.tf": """
resource "aws_security_group" "g" {
  name = "g"
  ingress {
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    prefix_list_ids = 443
    security_groups = [7]
  }
}
"""})  # fmt: skip
    (rule,) = group(load(folder), "aws_security_group.g").rules
    assert sorted((u.field, u.expression) for u in rule.unknowns) == [("group", "7"), ("prefix_list", "443")]
    assert all("not a" in u.reason for u in rule.unknowns)


def test_vpcs_are_in_the_inventory_with_their_blocks_and_ipv6(tmp_path: Path) -> None:
    """aws_vpc arguments per the AWS provider's documentation: cidr_block, assign_generated_ipv6_cidr_block,
    ipv6_cidr_block / ipv6_ipam_pool_id, and the separate aws_vpc_ipv6_cidr_block_association."""
    folder = write(
        tmp_path / "net",
        {
            "main.tf": """
variable "pool" {}
resource "aws_vpc" "plain" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "core" }
}
resource "aws_vpc" "dual" {
  cidr_block                       = "10.1.0.0/16"
  assign_generated_ipv6_cidr_block = true
}
resource "aws_vpc" "later" {
  cidr_block        = var.pool
  ipv6_ipam_pool_id = var.pool
}
resource "aws_vpc" "assoc" {
  cidr_block = "10.2.0.0/16"
}
resource "aws_vpc_ipv6_cidr_block_association" "six" {
  vpc_id            = aws_vpc.assoc.id
  ipv6_ipam_pool_id = "ipam-pool-0123"
}
resource "aws_subnet" "later" {
  vpc_id     = aws_vpc.plain.id
  cidr_block = var.pool
}
""",
        },
    )
    vpcs = load(folder).vpcs
    assert vpcs["aws_vpc.plain"].addresses.cidrs() == ["10.0.0.0/16"] and vpcs["aws_vpc.plain"].name == "core"
    assert vpcs["aws_vpc.plain"].ipv6 is False
    assert vpcs["aws_vpc.dual"].ipv6 is True
    later = vpcs["aws_vpc.later"]
    assert later.ipv6 is None and later.addresses.cidrs() == []
    assert [u.field for u in later.unknowns] == ["cidr_block"] and "pool" in later.unknowns[0].reason
    assert vpcs["aws_vpc.assoc"].ipv6 is True
    subnet = load(folder).subnets["aws_subnet.later"]  # a block known at apply only is said, not dropped
    assert subnet.addresses.cidrs() == [] and [u.field for u in subnet.unknowns] == ["cidr_block"]
