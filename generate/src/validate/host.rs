//! Host subnet conflicts: a domain bridge on a subnet the host already uses
//! would create a routing loop and cut the host off the network.

use super::net::Net;
use super::{get_or, Ctx};
use py::py_str;
use py::yaml::Value;

/// Compare every domain subnet with the host's interface subnets.
pub fn check(ctx: &mut Ctx, host_subnets: &[(String, Net)]) {
    if host_subnets.is_empty() {
        return;
    }
    let base_subnet = py_str(get_or(ctx.g, "base_subnet", &Value::from("10.100")));
    // Each domain's /24, as upstream spells it; unparsable ones are skipped.
    let mut domain_nets: Vec<(Value, Net)> = Vec::new();
    if ctx.has_addressing && !ctx.addressing.is_empty() {
        let bo = py_str(&ctx.base_octet());
        for (dname, info) in &ctx.addressing {
            let text = format!(
                "{bo}.{}.{}.0/24",
                py_str(&info.second_octet),
                py_str(&info.domain_seq)
            );
            if let Some(net) = Net::parse(&text, true) {
                domain_nets.push((dname.clone(), net));
            }
        }
    } else {
        for (sid, dname) in ctx.subnet_ids.iter() {
            if let Some(net) = Net::parse(&format!("{base_subnet}.{}.0/24", py_str(sid)), true) {
                domain_nets.push(((*dname).clone(), net));
            }
        }
    }
    let hint = if ctx.has_addressing {
        "Adjust global.addressing.zone_base or use a different subnet_id.".to_owned()
    } else {
        let alt = if base_subnet == "10.100" {
            "10.200"
        } else {
            "10.100"
        };
        format!(
            "Change global.base_subnet to '{alt}' or use a different subnet_id for this domain."
        )
    };
    for (dname, net) in &domain_nets {
        for (ifname, host_net) in host_subnets {
            if net.overlaps(host_net) {
                ctx.err(format!(
                    "SUBNET CONFLICT: Domain '{}' uses {net} which overlaps with host interface \
                     '{ifname}' ({host_net}). Incus would create a bridge on the same subnet, \
                     causing a routing loop and total loss of network connectivity. {hint}",
                    py_str(dname)
                ));
            }
        }
    }
}
