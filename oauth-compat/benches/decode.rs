//! `cargo bench --bench decode`: each response decoder against the parser it builds on.
//!
//! Ids in group `decode`: `json` / `json_serde_floor` (a ~2 KB Twitter user object),
//! `form` / `form_split_floor` (an OAuth 1 access-token response), `xml` /
//! `xml_quick_xml_floor` (a small API document). A floor does the bare parse only, so the
//! gap is what content-type dispatch, charset handling, hardening and the dict view cost.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};
use oauth_compat::response::{DecodeOptions, OAuthResponse};

const TWITTER_USER: &str = r#"{
  "id": 6253282, "id_str": "6253282", "name": "Twitter API", "screen_name": "TwitterAPI",
  "location": "San Francisco, CA", "profile_location": null,
  "description": "The Real Twitter API. Tweets about API changes, service issues and our Developer Platform. Don't get an answer? It's on my website.",
  "url": "https://t.co/8IkCzCDr19",
  "entities": {"url": {"urls": [{"url": "https://t.co/8IkCzCDr19", "expanded_url": "https://developer.twitter.com", "display_url": "developer.twitter.com", "indices": [0, 23]}]}, "description": {"urls": []}},
  "protected": false, "followers_count": 6133636, "friends_count": 12, "listed_count": 12936,
  "created_at": "Wed May 23 06:01:13 +0000 2007", "favourites_count": 31, "utc_offset": null,
  "time_zone": null, "geo_enabled": null, "verified": true, "statuses_count": 3656, "lang": null,
  "status": {
    "created_at": "Mon Nov 29 21:18:15 +0000 2021", "id": 1465413512546504700, "id_str": "1465413512546504709",
    "text": "Today's the day! The new Twitter API v2 endpoints are live \u2728 https://t.co/abc123",
    "truncated": false,
    "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": [{"url": "https://t.co/abc123", "expanded_url": "https://twittercommunity.com/t/announcing", "display_url": "twittercommunity.com/t/announcing", "indices": [61, 84]}]},
    "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
    "in_reply_to_status_id": null, "in_reply_to_user_id": null, "geo": null, "coordinates": null,
    "place": null, "contributors": null, "is_quote_status": false, "retweet_count": 120,
    "favorite_count": 450, "favorited": false, "retweeted": false, "possibly_sensitive": false, "lang": "en"
  },
  "contributors_enabled": false, "is_translator": false, "is_translation_enabled": false,
  "profile_background_color": "C0DEED", "profile_background_image_url": "http://abs.twimg.com/images/themes/theme1/bg.png",
  "profile_background_image_url_https": "https://abs.twimg.com/images/themes/theme1/bg.png",
  "profile_background_tile": true, "profile_image_url": "http://pbs.twimg.com/profile_images/942858479592554497/BbazLO9L_normal.jpg",
  "profile_image_url_https": "https://pbs.twimg.com/profile_images/942858479592554497/BbazLO9L_normal.jpg",
  "profile_banner_url": "https://pbs.twimg.com/profile_banners/6253282/1497491515",
  "profile_link_color": "0084B4", "profile_sidebar_border_color": "C0DEED", "profile_sidebar_fill_color": "DDEEF6",
  "profile_text_color": "333333", "profile_use_background_image": true, "has_extended_profile": false,
  "default_profile": false, "default_profile_image": false, "following": null,
  "follow_request_sent": null, "notifications": null, "translator_type": "regular", "withheld_in_countries": []
}"#;

const TOKEN_FORM: &str = "oauth_token=6253282-eWudHldSbIaelX7swmsiHImEL4KinwaGloHANdrY&oauth_token_secret=2EEfA6BG5ly3sR3XjE0IBSnlQu4ZrUzPiYTmrkVU&user_id=6253282&screen_name=TwitterAPI";

const API_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<user>
  <id>6253282</id>
  <name>Twitter API</name>
  <screen_name>TwitterAPI</screen_name>
  <location>San Francisco, CA</location>
  <description>The Real Twitter API. Tweets about API changes &amp; service issues.</description>
  <protected>false</protected>
  <followers_count>6133636</followers_count>
  <status id="1465413512546504709">
    <created_at>Mon Nov 29 21:18:15 +0000 2021</created_at>
    <text><![CDATA[Today's the day! <new> endpoints are live]]></text>
    <source>web</source>
  </status>
</user>"#;

fn headers(content_type: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");

    let cases = [
        (
            "json",
            "application/json; charset=utf-8",
            TWITTER_USER,
            DecodeOptions::api(),
        ),
        (
            "form",
            "application/x-www-form-urlencoded",
            TOKEN_FORM,
            DecodeOptions::token(),
        ),
        ("xml", "application/xml", API_XML, DecodeOptions::api()),
    ];
    for (id, content_type, body, options) in cases {
        group.throughput(Throughput::Bytes(body.len() as u64));
        let headers = headers(content_type);
        // The body is moved into the response, as the HTTP engine hands it over; building
        // it and the headers is setup, not measured.
        group.bench_function(id, |b| {
            b.iter_batched(
                || (headers.clone(), body.as_bytes().to_vec()),
                |(headers, body)| OAuthResponse::decode(StatusCode::OK, headers, body, &options),
                BatchSize::SmallInput,
            );
        });
    }

    group.throughput(Throughput::Bytes(TWITTER_USER.len() as u64));
    group.bench_function("json_serde_floor", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(TWITTER_USER.as_bytes())));
    });

    group.throughput(Throughput::Bytes(TOKEN_FORM.len() as u64));
    group.bench_function("form_split_floor", |b| {
        b.iter(|| {
            black_box(TOKEN_FORM)
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| {
                    let key = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
                    let value = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
                    (key.into_owned(), value.into_owned())
                })
                .collect::<Vec<_>>()
        });
    });

    group.throughput(Throughput::Bytes(API_XML.len() as u64));
    group.bench_function("xml_quick_xml_floor", |b| {
        b.iter(|| {
            let mut reader = quick_xml::Reader::from_str(black_box(API_XML));
            let mut events = 0usize;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                    Ok(_) => events += 1,
                }
            }
            events
        });
    });

    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
