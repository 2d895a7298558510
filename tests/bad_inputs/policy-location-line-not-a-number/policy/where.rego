package user.where

import rego.v1

deny contains {"msg": "somewhere", "locations": [{"file": "x.tf", "line": "12abc"}]}
