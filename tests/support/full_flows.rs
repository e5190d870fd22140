//! The twelve OAuth 1 full flows, one test per signature method and placement, written once for
//! the test files that run a whole flow against a provider (in process, the provider example, the
//! Authlib peer): `full_flow_tests!(mod full_flow runs full_flow);` declares `mod full_flow` with
//! tests `full_flow::hmac_sha1_header` … `full_flow::plaintext_body`, each awaiting
//! `full_flow(method, placement)` of the calling file (an `async fn(&str, SignatureType)`).

macro_rules! full_flow_tests {
    (mod $module:ident runs $flow:ident) => {
        mod $module {
            $crate::support::full_flows::full_flow_tests! { @rows $flow;
                hmac_sha1_header: "HMAC-SHA1", Header;
                hmac_sha1_query: "HMAC-SHA1", Query;
                hmac_sha1_body: "HMAC-SHA1", Body;
                hmac_sha256_header: "HMAC-SHA256", Header;
                hmac_sha256_query: "HMAC-SHA256", Query;
                hmac_sha256_body: "HMAC-SHA256", Body;
                rsa_sha1_header: "RSA-SHA1", Header;
                rsa_sha1_query: "RSA-SHA1", Query;
                rsa_sha1_body: "RSA-SHA1", Body;
                plaintext_header: "PLAINTEXT", Header;
                plaintext_query: "PLAINTEXT", Query;
                plaintext_body: "PLAINTEXT", Body;
            }
        }
    };
    (@rows $flow:ident; $($name:ident: $method:literal, $placement:ident;)*) => {$(
        #[tokio::test]
        async fn $name() {
            super::$flow($method, ::oauth_compat::oauth1::SignatureType::$placement).await;
        }
    )*};
}

#[allow(unused_imports)] // only the files with the table name it
pub(crate) use full_flow_tests;
