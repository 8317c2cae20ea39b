//! Stripe's test cards: numbers, the `pm_card_*` / `tok_*` test tokens that stand
//! for them, and what happens when each is charged, as Stripe's testing guide
//! documents.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeds,
    /// Declined at charge time (and, unless `attach_ok`, when attached).
    Declines {
        code: &'static str,
        decline_code: &'static str,
        message: &'static str,
        param: Option<&'static str>,
        attach_ok: bool,
    },
    /// 3D Secure: on-session payments need authentication (`requires_action`);
    /// `setup_ok` cards pass off-session once saved.
    Authenticates {
        setup_ok: bool,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct TestCard {
    pub number: &'static str,
    pub brand: &'static str,
    pub funding: &'static str,
    pub country: &'static str,
    pub outcome: Outcome,
}

const GENERIC: &str = "Your card was declined.";

const fn ok(number: &'static str, brand: &'static str, funding: &'static str) -> TestCard {
    TestCard { number, brand, funding, country: "US", outcome: Outcome::Succeeds }
}

const fn declined(
    number: &'static str,
    code: &'static str,
    decline_code: &'static str,
    message: &'static str,
    param: Option<&'static str>,
    attach_ok: bool,
) -> TestCard {
    TestCard {
        number,
        brand: "visa",
        funding: "credit",
        country: "US",
        outcome: Outcome::Declines { code, decline_code, message, param, attach_ok },
    }
}

pub const CARDS: &[TestCard] = &[
    ok("4242424242424242", "visa", "credit"),
    ok("4000056655665556", "visa", "debit"),
    ok("5555555555554444", "mastercard", "credit"),
    ok("2223003122003222", "mastercard", "credit"),
    ok("5200828282828210", "mastercard", "debit"),
    ok("5105105105105100", "mastercard", "prepaid"),
    ok("378282246310005", "amex", "credit"),
    ok("371449635398431", "amex", "credit"),
    ok("6011111111111117", "discover", "credit"),
    ok("3056930009020004", "diners", "credit"),
    ok("3566002020360505", "jcb", "credit"),
    ok("6200000000000005", "unionpay", "credit"),
    ok("4000000000000077", "visa", "credit"),
    // Succeed, then the cardholder disputes the charge (see `model/disputes.rs`).
    ok("4000000000000259", "visa", "credit"),
    ok("4000000000002685", "visa", "credit"),
    ok("4000000000001976", "visa", "credit"),
    declined("4000000000000002", "card_declined", "generic_decline", GENERIC, None, false),
    declined("4000000000009995", "card_declined", "insufficient_funds", "Your card has insufficient funds.", None, false),
    declined("4000000000009987", "card_declined", "lost_card", GENERIC, None, false),
    declined("4000000000009979", "card_declined", "stolen_card", GENERIC, None, false),
    declined("4000000000000069", "expired_card", "expired_card", "Your card has expired.", Some("exp_month"), false),
    declined("4000000000000127", "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", Some("cvc"), false),
    declined(
        "4000000000000119",
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
        None,
        false,
    ),
    declined("4100000000000019", "card_declined", "fraudulent", GENERIC, None, true),
    declined("4000000000000341", "card_declined", "generic_decline", GENERIC, None, true),
    TestCard {
        number: "4000002500003155",
        brand: "visa",
        funding: "credit",
        country: "US",
        outcome: Outcome::Authenticates { setup_ok: true },
    },
    TestCard {
        number: "4000002760003184",
        brand: "visa",
        funding: "credit",
        country: "US",
        outcome: Outcome::Authenticates { setup_ok: false },
    },
    TestCard {
        number: "4000000000003220",
        brand: "visa",
        funding: "credit",
        country: "US",
        outcome: Outcome::Authenticates { setup_ok: false },
    },
];

/// The card a `pm_card_*` or `tok_*` test token stands for.
pub fn token(name: &str) -> Option<&'static TestCard> {
    let suffix = name.strip_prefix("pm_card_").or_else(|| name.strip_prefix("tok_"))?;
    let number = match suffix {
        "visa" => "4242424242424242",
        "visa_debit" | "visaDebit" => "4000056655665556",
        "mastercard" => "5555555555554444",
        "mastercard_debit" | "mastercardDebit" => "5200828282828210",
        "mastercard_prepaid" | "mastercardPrepaid" => "5105105105105100",
        "amex" => "378282246310005",
        "discover" => "6011111111111117",
        "diners" => "3056930009020004",
        "jcb" => "3566002020360505",
        "unionpay" => "6200000000000005",
        "bypassPending" => "4000000000000077",
        "createDispute" => "4000000000000259",
        "createDisputeProductNotReceived" => "4000000000002685",
        "createDisputeInquiry" => "4000000000001976",
        "chargeDeclined" => "4000000000000002",
        "chargeDeclinedInsufficientFunds" => "4000000000009995",
        "chargeDeclinedLostCard" => "4000000000009987",
        "chargeDeclinedStolenCard" => "4000000000009979",
        "chargeDeclinedExpiredCard" => "4000000000000069",
        "chargeDeclinedIncorrectCvc" => "4000000000000127",
        "chargeDeclinedProcessingError" => "4000000000000119",
        "chargeDeclinedFraudulent" | "radarBlock" => "4100000000000019",
        "chargeCustomerFail" => "4000000000000341",
        "authenticationRequiredOnSetup" => "4000002500003155",
        "authenticationRequired" => "4000002760003184",
        "threeDSecure2Required" | "threeDSecureRequired" => "4000000000003220",
        _ => return None,
    };
    by_number(number)
}

pub fn by_number(number: &str) -> Option<&'static TestCard> {
    CARDS.iter().find(|c| c.number == number)
}

/// The brand of any number by its prefix (for numbers outside the test list).
pub fn brand_of(number: &str) -> &'static str {
    match number.as_bytes().first() {
        Some(b'4') => "visa",
        Some(b'5') | Some(b'2') => "mastercard",
        Some(b'3') if number.starts_with("34") || number.starts_with("37") => "amex",
        Some(b'6') => "discover",
        _ => "unknown",
    }
}

/// The Luhn check Stripe applies before anything else (`incorrect_number`).
pub fn luhn(number: &str) -> bool {
    if number.len() < 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_card_passes_luhn_and_tokens_resolve() {
        for c in CARDS {
            assert!(luhn(c.number), "{}", c.number);
        }
        assert_eq!(token("pm_card_visa").unwrap().number, "4242424242424242");
        assert_eq!(token("tok_chargeDeclined").unwrap().number, "4000000000000002");
        assert!(token("pm_card_nope").is_none());
        assert!(!luhn("4242424242424241"));
    }
}
