import { PolicyPack } from "@pulumi/policy";
import { policies } from "./all";

new PolicyPack("security-governance", { policies });
