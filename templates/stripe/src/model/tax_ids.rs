//! Customer tax ids (`txi_…`): create (Stripe's `type` list, each value checked
//! against its type's format: `tax_id_invalid`), retrieve, delete, list, under
//! `/v1/customers/{customer}/tax_ids`.
//!
//! Verification follows Stripe's test mode: the types Stripe verifies with a
//! government database (`eu_vat`, `gb_vat`, `au_abn`, …) start `pending` and
//! settle at once for the magic values (`…000000000` verified, `…111111111`
//! unverified, `customer.tax_id.updated`); any other value stays `pending`. Other
//! types answer `unavailable`.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::Params;
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, events, must_get, now_secs, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

/// Every `type` Stripe accepts, with its country (`None`: read from the value)
/// and the format check its value must pass.
pub const TYPES: &[(&str, Option<&str>, Format)] = &[
    ("ad_nrt", Some("AD"), Format::Pattern("A-999999-A")),
    ("ae_trn", Some("AE"), Format::Digits(15)),
    ("al_tin", Some("AL"), Format::Pattern("A99999999A")),
    ("am_tin", Some("AM"), Format::Digits(8)),
    ("ao_tin", Some("AO"), Format::Digits(10)),
    ("ar_cuit", Some("AR"), Format::Pattern("99-9999999-9")),
    ("au_abn", Some("AU"), Format::Digits(11)),
    ("au_arn", Some("AU"), Format::Digits(12)),
    ("aw_tin", Some("AW"), Format::Digits(9)),
    ("az_tin", Some("AZ"), Format::Digits(10)),
    ("ba_tin", Some("BA"), Format::Digits(12)),
    ("bb_tin", Some("BB"), Format::Digits(13)),
    ("bd_bin", Some("BD"), Format::Pattern("999999999-9999")),
    ("bf_ifu", Some("BF"), Format::Pattern("99999999A")),
    ("bg_uic", Some("BG"), Format::Digits(9)),
    ("bh_vat", Some("BH"), Format::Digits(15)),
    ("bj_ifu", Some("BJ"), Format::Digits(13)),
    ("bo_tin", Some("BO"), Format::Digits(9)),
    ("br_cnpj", Some("BR"), Format::Pattern("99.999.999/9999-99")),
    ("br_cpf", Some("BR"), Format::Pattern("999.999.999-99")),
    ("bs_tin", Some("BS"), Format::Pattern("999.999.999")),
    ("by_tin", Some("BY"), Format::Digits(9)),
    ("ca_bn", Some("CA"), Format::Digits(9)),
    ("ca_gst_hst", Some("CA"), Format::Pattern("999999999RT9999")),
    ("ca_pst_bc", Some("CA"), Format::Pattern("PST-9999-9999")),
    ("ca_pst_mb", Some("CA"), Format::Pattern("999999-9")),
    ("ca_pst_sk", Some("CA"), Format::Digits(7)),
    ("ca_qst", Some("CA"), Format::Pattern("9999999999TQ9999")),
    ("cd_nif", Some("CD"), Format::Pattern("A9999999A")),
    ("ch_uid", Some("CH"), Format::Pattern("CHE-999.999.999")),
    ("ch_vat", Some("CH"), Format::Pattern("CHE-999.999.999 MWST")),
    ("cl_tin", Some("CL"), Format::Pattern("99.999.999-A")),
    ("cm_niu", Some("CM"), Format::Pattern("A999999999999A")),
    ("cn_tin", Some("CN"), Format::Loose),
    ("co_nit", Some("CO"), Format::Pattern("999.999.999-9")),
    ("cr_tin", Some("CR"), Format::Pattern("9-999-999999")),
    ("cv_nif", Some("CV"), Format::Digits(9)),
    ("de_stn", Some("DE"), Format::Digits(10)),
    ("do_rcn", Some("DO"), Format::Pattern("999-9999999-9")),
    ("ec_ruc", Some("EC"), Format::Digits(13)),
    ("eg_tin", Some("EG"), Format::Digits(9)),
    ("es_cif", Some("ES"), Format::Pattern("A99999999")),
    ("et_tin", Some("ET"), Format::Digits(10)),
    ("eu_oss_vat", None, Format::Pattern("EU999999999")),
    ("eu_vat", None, Format::EuVat),
    ("gb_vat", Some("GB"), Format::GbVat),
    ("ge_vat", Some("GE"), Format::Digits(9)),
    ("gn_nif", Some("GN"), Format::Digits(9)),
    ("hk_br", Some("HK"), Format::Digits(8)),
    ("hr_oib", Some("HR"), Format::Digits(11)),
    ("hu_tin", Some("HU"), Format::Pattern("99999999-9-99")),
    ("id_npwp", Some("ID"), Format::Loose),
    ("il_vat", Some("IL"), Format::Digits(9)),
    ("in_gst", Some("IN"), Format::Pattern("99AAAAA9999A9A9")),
    ("is_vat", Some("IS"), Format::Digits(6)),
    ("jp_cn", Some("JP"), Format::Digits(13)),
    ("jp_rn", Some("JP"), Format::Digits(5)),
    ("jp_trn", Some("JP"), Format::Pattern("T9999999999999")),
    ("ke_pin", Some("KE"), Format::Pattern("A999999999A")),
    ("kg_tin", Some("KG"), Format::Digits(14)),
    ("kh_tin", Some("KH"), Format::Loose),
    ("kr_brn", Some("KR"), Format::Pattern("999-99-99999")),
    ("kz_bin", Some("KZ"), Format::Digits(12)),
    ("la_tin", Some("LA"), Format::Loose),
    ("li_uid", Some("LI"), Format::Pattern("CHE999999999")),
    ("li_vat", Some("LI"), Format::Digits(5)),
    ("ma_vat", Some("MA"), Format::Digits(8)),
    ("md_vat", Some("MD"), Format::Digits(7)),
    ("me_pib", Some("ME"), Format::Digits(8)),
    ("mk_vat", Some("MK"), Format::Pattern("MK9999999999999")),
    ("mr_nif", Some("MR"), Format::Digits(8)),
    ("mx_rfc", Some("MX"), Format::Loose),
    ("my_frp", Some("MY"), Format::Digits(8)),
    ("my_itn", Some("MY"), Format::Loose),
    ("my_sst", Some("MY"), Format::Loose),
    ("ng_tin", Some("NG"), Format::Pattern("99999999-9999")),
    ("no_vat", Some("NO"), Format::Pattern("999999999MVA")),
    ("no_voec", Some("NO"), Format::Digits(7)),
    ("np_pan", Some("NP"), Format::Digits(9)),
    ("nz_gst", Some("NZ"), Format::Digits(9)),
    ("om_vat", Some("OM"), Format::Pattern("OM9999999999")),
    ("pe_ruc", Some("PE"), Format::Digits(11)),
    ("ph_tin", Some("PH"), Format::Digits(12)),
    ("ro_tin", Some("RO"), Format::Digits(13)),
    ("rs_pib", Some("RS"), Format::Digits(9)),
    ("ru_inn", Some("RU"), Format::Digits(10)),
    ("ru_kpp", Some("RU"), Format::Digits(9)),
    ("sa_vat", Some("SA"), Format::Digits(15)),
    ("sg_gst", Some("SG"), Format::Loose),
    ("sg_uen", Some("SG"), Format::Loose),
    ("si_tin", Some("SI"), Format::Digits(8)),
    ("sn_ninea", Some("SN"), Format::Loose),
    ("sr_fin", Some("SR"), Format::Digits(10)),
    ("sv_nit", Some("SV"), Format::Pattern("9999-999999-999-9")),
    ("th_vat", Some("TH"), Format::Digits(13)),
    ("tj_tin", Some("TJ"), Format::Digits(9)),
    ("tr_tin", Some("TR"), Format::Digits(10)),
    ("tw_vat", Some("TW"), Format::Digits(8)),
    ("tz_vat", Some("TZ"), Format::Pattern("99999999A")),
    ("ua_vat", Some("UA"), Format::Digits(9)),
    ("ug_tin", Some("UG"), Format::Digits(10)),
    ("us_ein", Some("US"), Format::Pattern("99-9999999")),
    ("uy_ruc", Some("UY"), Format::Digits(12)),
    ("uz_tin", Some("UZ"), Format::Digits(9)),
    ("uz_vat", Some("UZ"), Format::Digits(12)),
    ("ve_rif", Some("VE"), Format::Pattern("A-99999999-9")),
    ("vn_tin", Some("VN"), Format::Digits(10)),
    ("za_vat", Some("ZA"), Format::Digits(10)),
    ("zm_tin", Some("ZM"), Format::Digits(10)),
    ("zw_tin", Some("ZW"), Format::Digits(10)),
];

/// The types Stripe verifies against a government database.
const VERIFIED_TYPES: &[&str] = &["ae_trn", "au_abn", "br_cnpj", "br_cpf", "ch_vat", "eu_vat", "gb_vat", "in_gst", "no_vat", "za_vat"];

/// EU VAT prefixes (Greece is `EL`, Northern Ireland `XI`).
const EU_PREFIXES: &[(&str, &str)] = &[
    ("AT", "AT"),
    ("BE", "BE"),
    ("BG", "BG"),
    ("CY", "CY"),
    ("CZ", "CZ"),
    ("DE", "DE"),
    ("DK", "DK"),
    ("EE", "EE"),
    ("EL", "GR"),
    ("ES", "ES"),
    ("FI", "FI"),
    ("FR", "FR"),
    ("HR", "HR"),
    ("HU", "HU"),
    ("IE", "IE"),
    ("IT", "IT"),
    ("LT", "LT"),
    ("LU", "LU"),
    ("LV", "LV"),
    ("MT", "MT"),
    ("NL", "NL"),
    ("PL", "PL"),
    ("PT", "PT"),
    ("RO", "RO"),
    ("SE", "SE"),
    ("SI", "SI"),
    ("SK", "SK"),
    ("XI", "GB"),
];

/// How a type's value is checked (after Stripe's normalisation: spaces removed,
/// upper case).
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// Exactly this many digits.
    Digits(usize),
    /// A shape: `9` a digit, `A` a letter, anything else itself.
    Pattern(&'static str),
    /// A two-letter EU prefix then 2–13 letters or digits.
    EuVat,
    /// `GB` then 9 or 12 digits.
    GbVat,
    /// Letters, digits and `-./` only, 5 to 20 of them.
    Loose,
}

fn shaped(value: &str, pattern: &str) -> bool {
    value.len() == pattern.len()
        && value.bytes().zip(pattern.bytes()).all(|(v, p)| match p {
            b'9' => v.is_ascii_digit(),
            b'A' => v.is_ascii_alphabetic(),
            _ => v == p,
        })
}

/// Whether `value` (normalised) is a well-formed `format`; for `EuVat`, the
/// country its prefix names.
pub fn check(format: Format, value: &str) -> Option<Option<&'static str>> {
    let ok = match format {
        Format::Digits(n) => value.len() == n && value.bytes().all(|b| b.is_ascii_digit()),
        Format::Pattern(p) => shaped(value, p) || (p.contains(' ') && shaped(value, &p.replace(' ', ""))),
        Format::EuVat => {
            let (prefix, rest) = value.split_at(value.len().min(2));
            let (_, country) = EU_PREFIXES.iter().find(|(p, _)| *p == prefix)?;
            let ok = (2..=13).contains(&rest.len())
                && rest.bytes().all(|b| b.is_ascii_alphanumeric())
                && rest.bytes().any(|b| b.is_ascii_digit());
            return ok.then_some(Some(country));
        }
        Format::GbVat => value.strip_prefix("GB").is_some_and(|d| (d.len() == 9 || d.len() == 12) && d.bytes().all(|b| b.is_ascii_digit())),
        Format::Loose => (5..=20).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-./".contains(&b)),
    };
    ok.then_some(None)
}

fn invalid(kind: &str, param: &str) -> StripeError {
    StripeError::coded("tax_id_invalid", format!("Invalid value for {kind}."), Some(param))
}

/// `POST /v1/customers/{customer}/tax_ids`.
pub async fn create(db: &Pool, req: &Req, customer: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["type", "value"])?;
    let kind = p.required("type")?;
    let raw = p.required("value")?;
    let mut tx = asym_store::begin_write(db).await?;
    must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let v = create_in(&mut tx, req, customer, &kind, &raw, ("type", "value")).await?;
    tx.commit().await?;
    Ok(v)
}

/// Adds one tax id to `customer` inside `tx` (also `tax_id_data[]` on customer
/// create); `params` names the two parameters in errors.
pub async fn create_in(
    tx: &mut AnyConnection,
    req: &Req,
    customer: &str,
    kind: &str,
    raw: &str,
    params: (&str, &str),
) -> StripeResult<Value> {
    let Some((_, country, format)) = TYPES.iter().find(|(t, ..)| *t == kind) else {
        let all: Vec<&str> = TYPES.iter().map(|(t, ..)| *t).collect();
        return Err(StripeError::invalid_param(format!("Invalid type: must be one of {}", all.join(", ")), params.0));
    };
    let value: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let from_value = check(*format, &value).ok_or_else(|| invalid(kind, params.1))?;
    let country = country.or(from_value);
    let existing =
        objects::scan(&mut *tx, Kind::TaxId, &Scan { customer: Some(customer.into()), limit: 1000, ..Default::default() }).await?;
    if existing.len() >= 25 {
        return Err(StripeError::invalid("You cannot add more than 25 tax IDs to a customer."));
    }
    let verifies = VERIFIED_TYPES.contains(&kind);
    let mut v = json!({
        "id": ids::new("txi"),
        "object": "tax_id",
        "country": country,
        "created": now_secs(),
        "customer": customer,
        "livemode": false,
        "owner": { "customer": customer, "type": "customer" },
        "type": kind,
        "value": value,
        "verification": {
            "status": if verifies { "pending" } else { "unavailable" },
            "verified_address": null,
            "verified_name": null,
        },
    });
    objects::insert(&mut *tx, Kind::TaxId, &v).await?;
    events::emit(tx, req, "customer.tax_id.created", &v, None).await?;
    let settled = if value.ends_with("000000000") {
        Some(("verified", json!("123 TEST STREET"), json!("TEST")))
    } else if value.ends_with("111111111") {
        Some(("unverified", Value::Null, Value::Null))
    } else {
        None
    };
    if verifies && let Some((status, address, name)) = settled {
        let before = v.clone();
        v["verification"] = json!({ "status": status, "verified_address": address, "verified_name": name });
        objects::save(&mut *tx, Kind::TaxId, &v).await?;
        events::emit(tx, req, "customer.tax_id.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    Ok(v)
}

async fn owned(db: impl sqlx::any::AnyExecutor<'_>, customer: &str, id: &str) -> StripeResult<Value> {
    match objects::get(db, Kind::TaxId, id).await? {
        Some(v) if v["customer"] == json!(customer) && v.get("deleted").is_none() => Ok(v),
        _ => Err(StripeError::no_such("tax_id", id, "id")),
    }
}

/// `GET /v1/customers/{customer}/tax_ids/{id}`.
pub async fn retrieve(db: &Pool, customer: &str, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Customer, customer, "customer").await?;
    owned(db, customer, id).await
}

/// `DELETE /v1/customers/{customer}/tax_ids/{id}`.
pub async fn delete(db: &Pool, req: &Req, customer: &str, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let v = owned(&mut *tx, customer, id).await?;
    let stub = json!({ "id": id, "object": "tax_id", "deleted": true });
    objects::mark_deleted(&mut *tx, Kind::TaxId, &stub).await?;
    events::emit(&mut tx, req, "customer.tax_id.deleted", &v, None).await?;
    tx.commit().await?;
    Ok(stub)
}

/// `GET /v1/customers/{customer}/tax_ids`.
pub async fn list(db: &Pool, customer: &str, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let page = Page::from(p)?;
    must_get(db, Kind::Customer, customer, "customer").await?;
    let scan = Scan { customer: Some(customer.into()), ..Default::default() };
    list::list(db, Kind::TaxId, &format!("/v1/customers/{customer}/tax_ids"), &page, scan, &|_| true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(t: &str) -> Format {
        TYPES.iter().find(|(k, ..)| *k == t).unwrap().2
    }

    #[test]
    fn values_are_checked_against_their_type() {
        assert_eq!(check(format_of("eu_vat"), "DE123456789"), Some(Some("DE")));
        assert_eq!(check(format_of("eu_vat"), "EL123456789"), Some(Some("GR")));
        assert_eq!(check(format_of("eu_vat"), "US123456789"), None);
        assert!(check(format_of("us_ein"), "12-3456789").is_some());
        assert!(check(format_of("us_ein"), "123456789").is_none());
        assert!(check(format_of("gb_vat"), "GB123456789").is_some());
        assert!(check(format_of("br_cpf"), "123.456.789-87").is_some());
        assert!(check(format_of("ch_vat"), "CHE-123.456.789MWST").is_some());
        assert!(check(format_of("au_abn"), "12345678912").is_some());
        assert!(check(format_of("au_abn"), "1234").is_none());
    }
}
