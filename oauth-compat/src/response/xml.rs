//! XML bodies, as the element tree Flask-OAuthlib's `etree.fromstring` returns.
//!
//! Hardened for input from a remote server: DOCTYPEs (and so entity declarations) are
//! refused, only the five predefined entities and character references expand, and nesting
//! is bounded by [`MAX_DEPTH`]. The tree is built with an explicit stack, never recursion.

use std::borrow::Cow;
use std::fmt;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

use super::error::{Failure, Position};

/// How deep elements may nest before decoding fails with
/// [`DecodeError::XmlTooDeep`](super::DecodeError::XmlTooDeep).
pub const MAX_DEPTH: usize = 256;

/// An XML element: tag, attributes, text, and child elements.
///
/// Names are kept as written, prefix included (`atom:link`); namespaces are not resolved.
/// `text` is all the element's own character data, concatenated (ElementTree splits it
/// into `text` and the children's `tail`s).
///
/// ```
/// use http::{HeaderMap, StatusCode, header};
/// use oauth_compat::response::{DecodeOptions, OAuthResponse};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_TYPE, "text/xml".parse()?);
/// let body = r#"<user id="12"><name>Ann &amp; Bo</name><tag>a</tag><tag>b</tag></user>"#;
/// let resp = OAuthResponse::decode(StatusCode::OK, headers, body, &DecodeOptions::api())?;
///
/// let root = resp.data.xml().expect("an XML body");
/// assert_eq!(root.tag, "user");
/// assert_eq!(root.attr("id"), Some("12"));
/// assert_eq!(root.find("name").map(|e| e.text.as_str()), Some("Ann & Bo"));
/// assert_eq!(root.find_all("tag").count(), 2);
/// // The `{tag: text}` view of the root's children, for indexing:
/// assert_eq!(resp.data["name"], "Ann & Bo");
/// assert_eq!(resp.data["tag"], "a");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `Debug` shows the tag, the attribute names and the number of children, never text or an
/// attribute's value: a body may carry secrets, and `{:?}` ends up in logs.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The tag name, as written.
    pub tag: String,
    /// Attributes in document order, values unescaped.
    pub attributes: Vec<(String, String)>,
    /// The element's own character data (CDATA included), entities expanded.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this tag, as ElementTree's `find(tag)`.
    pub fn find(&self, tag: &str) -> Option<&Element> {
        self.find_all(tag).next()
    }

    /// Every child with this tag, as ElementTree's `findall(tag)`.
    pub fn find_all<'a, 't>(
        &'a self,
        tag: &'t str,
    ) -> impl Iterator<Item = &'a Element> + use<'a, 't> {
        self.children.iter().filter(move |child| child.tag == tag)
    }

    /// The text of the first child with this tag, as ElementTree's `findtext(tag)`.
    pub fn find_text(&self, tag: &str) -> Option<&str> {
        self.find(tag).map(|child| child.text.as_str())
    }

    /// The `{tag: text}` view `resp.data` indexes: each child's tag to the text of the first
    /// child with that tag.
    pub(crate) fn to_value(&self) -> Value {
        let mut map = Map::new();
        for child in &self.children {
            if !map.contains_key(&child.tag) {
                map.insert(child.tag.clone(), Value::String(child.text.clone()));
            }
        }
        Value::Object(map)
    }
}

/// The shape only: see [`Element`].
impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attributes: Vec<&str> = self.attributes.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Element")
            .field("tag", &self.tag)
            .field("attributes", &attributes)
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}

fn malformed(offset: u64, reason: impl Into<String>) -> Failure {
    Failure::Malformed(Position::Byte(to_usize(offset)), reason.into())
}

/// quick-xml's message for `e`, minus anything it copies from the body.
///
/// Tag names (`expected `</a>``) and positions are kept; an entity's name, a character
/// reference's number and a declaration's pseudo-attribute are text of the body, which may
/// be a secret, and are dropped.
fn reason(e: &quick_xml::Error) -> String {
    use quick_xml::errors::{Error as E, IllFormedError};
    use quick_xml::escape::EscapeError;
    match e {
        // Fixed texts, positions, a quote character, tag names.
        E::Syntax(_) | E::InvalidAttr(_) | E::Encoding(_) => e.to_string(),
        E::IllFormed(IllFormedError::MissingDeclVersion(Some(_))) => {
            "ill-formed document: an XML declaration must start with `version`".to_owned()
        }
        E::IllFormed(_) => e.to_string(),
        E::Escape(EscapeError::UnrecognizedEntity(..)) => {
            "undefined entity in an attribute value (only the five predefined ones expand)"
                .to_owned()
        }
        E::Escape(EscapeError::UnterminatedEntity(_)) => {
            "entity or character reference not closed: `;` not found after `&`".to_owned()
        }
        E::Escape(EscapeError::InvalidCharRef(_)) => "invalid character reference".to_owned(),
        E::Escape(EscapeError::TooManyNestedEntities) => e.to_string(),
        // Not raised by a reader over a `&str` without namespaces; said without detail.
        E::Io(_) | E::Namespace(_) => "ill-formed document".to_owned(),
    }
}

fn to_usize(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

/// Parses one XML document into its root element.
pub(crate) fn parse(text: &str) -> Result<Element, Failure> {
    let mut reader = Reader::from_str(text);
    // Position of the event about to be read, for errors we raise ourselves.
    let mut at = 0;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(reader.error_position(), reason(&e)))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed(at, "a second root element"));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Failure::XmlTooDeep(MAX_DEPTH, Position::Byte(to_usize(at))));
                }
                stack.push(element(&start, at)?);
            }
            Event::Empty(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Failure::XmlTooDeep(MAX_DEPTH, Position::Byte(to_usize(at))));
                }
                let done = element(&start, at)?;
                attach(done, &mut stack, &mut root);
            }
            Event::End(_) => {
                // quick-xml has already checked the end tag matches the open one.
                if let Some(done) = stack.pop() {
                    attach(done, &mut stack, &mut root);
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content(), at)?,
            Event::CData(c) => push_text(&mut stack, &c.xml10_content(), at)?,
            Event::GeneralRef(r) => {
                let expanded: Cow<'_, str> = match r.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => match resolve_predefined_entity(&r) {
                        Some(s) => Cow::Borrowed(s),
                        // The name is body text: not echoed.
                        None => {
                            return Err(malformed(
                                at,
                                "undefined entity (only the five predefined ones expand)",
                            ));
                        }
                    },
                    Err(e) => return Err(malformed(at, reason(&e))),
                };
                push_text(&mut stack, &expanded, at)?;
            }
            Event::DocType(_) => return Err(Failure::XmlDoctype(Position::Byte(to_usize(at)))),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
        at = reader.buffer_position();
    }
    if let Some(open) = stack.last() {
        return Err(malformed(
            reader.buffer_position(),
            format!("unclosed element <{}>", open.tag),
        ));
    }
    root.ok_or_else(|| malformed(reader.buffer_position(), "no root element"))
}

fn element(start: &BytesStart<'_>, at: u64) -> Result<Element, Failure> {
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| malformed(at, reason(&e.into())))?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| malformed(at, reason(&e)))?;
        attributes.push((attr.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element {
        tag: start.name().as_ref().to_owned(),
        attributes,
        text: String::new(),
        children: Vec::new(),
    })
}

fn attach(done: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => *root = Some(done),
    }
}

fn push_text(stack: &mut [Element], text: &str, at: u64) -> Result<(), Failure> {
    match stack.last_mut() {
        Some(open) => open.text.push_str(text),
        // Whitespace around the root is allowed; anything else is not.
        None if text.chars().all(char::is_whitespace) => {}
        None => return Err(malformed(at, "text outside the root element")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Element {
        match parse(text) {
            Ok(root) => root,
            Err(e) => panic!("{text:?} should parse: {e:?}"),
        }
    }

    #[test]
    fn tree_find_and_view() {
        let root = ok(r#"<?xml version="1.0"?>
            <!-- a comment -->
            <statuses type="array">
              <status><id>1</id><text>hi &lt;3 &#x263A;</text></status>
              <status><id>2</id><text><![CDATA[<b>bold</b>]]></text></status>
              <count>2</count>
              <empty a='x &amp; y'/>
            </statuses>"#);
        assert_eq!(root.tag, "statuses");
        assert_eq!(root.attr("type"), Some("array"));
        assert_eq!(root.attr("nope"), None);
        assert_eq!(root.find_all("status").count(), 2);
        let second = root.find_all("status").nth(1).map(|s| s.find_text("text"));
        assert_eq!(second, Some(Some("<b>bold</b>")));
        assert_eq!(
            root.find("status").and_then(|s| s.find_text("text")),
            Some("hi <3 ☺")
        );
        assert_eq!(root.find("empty").and_then(|e| e.attr("a")), Some("x & y"));
        assert_eq!(root.find("missing"), None);
        let view = root.to_value();
        assert_eq!(view["count"], "2");
        assert_eq!(view["empty"], "");
        assert!(view["missing"].is_null());
    }

    #[test]
    fn doctype_and_entities_refused() {
        let billion_laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<lolz>&lol2;</lolz>"#;
        assert!(matches!(
            parse(billion_laughs),
            Err(Failure::XmlDoctype(Position::Byte(22)))
        ));
        assert!(matches!(
            parse("<!DOCTYPE html><html/>"),
            Err(Failure::XmlDoctype(_))
        ));
        assert!(matches!(
            parse("<a>&custom;</a>"),
            Err(Failure::Malformed(Position::Byte(3), reason))
                if reason.contains("undefined entity") && !reason.contains("custom")
        ));
    }

    #[test]
    fn depth_is_bounded_without_recursion() {
        let ok_depth = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert_eq!(ok(&ok_depth).children.len(), 1);
        let deep = "<a>".repeat(100_000);
        assert!(matches!(
            parse(&deep),
            Err(Failure::XmlTooDeep(MAX_DEPTH, Position::Byte(768)))
        ));
        let deep_empty = "<a>".repeat(MAX_DEPTH) + "<b/>";
        assert!(matches!(parse(&deep_empty), Err(Failure::XmlTooDeep(..))));
    }

    #[test]
    fn malformed_says_where() {
        let cases: [(&str, usize); 6] = [
            ("<a><b></a>", 6),
            ("<a>", 3),
            ("", 0),
            ("<a/><b/>", 4),
            ("oops<a/>", 0),
            ("<a x='1' x='2'/>", 0),
        ];
        for (text, offset) in cases {
            match parse(text) {
                Err(Failure::Malformed(Position::Byte(at), _)) => {
                    assert_eq!(at, offset, "{text:?}")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_tag_attribute_names_and_children_only() {
        let root = ok(
            r#"<token secret="S3CR3T-ATTR" id="7"><access_token>S3CR3T</access_token>T3XT</token>"#,
        );
        let shown = format!("{root:?}");
        assert_eq!(
            shown,
            r#"Element { tag: "token", attributes: ["secret", "id"], children: 1, .. }"#
        );
        let pretty = format!("{root:#?}");
        for value in ["S3CR3T", "T3XT", "\"7\""] {
            assert!(
                !shown.contains(value) && !pretty.contains(value),
                "{pretty}"
            );
        }
    }

    #[test]
    fn malformed_reasons_never_echo_body_text() {
        let cases = [
            ("<a>&S3CR3T;</a>", "undefined entity"),
            (
                "<a x='&S3CR3T;'/>",
                "undefined entity in an attribute value",
            ),
            ("<a x='S3CR3T &amp'/>", "not closed"),
            ("<a>&#3133731;</a>", "invalid character reference"),
            ("<a>&#xS3CR3T;</a>", "invalid character reference"),
            ("<a x='&#xS3CR3T;'/>", "invalid character reference"),
            ("<a>S3CR3T", "unclosed element <a>"),
            ("<a x='S3CR3T' x='S3CR3T'/>", "duplicated attribute"),
            ("<a x=S3CR3T/>", "must be enclosed"),
        ];
        for (text, want) in cases {
            match parse(text) {
                Err(Failure::Malformed(_, reason)) => {
                    assert!(reason.contains(want), "{text}: {reason}");
                    assert!(!reason.contains("S3CR3T"), "{text}: {reason}");
                    assert!(!reason.contains("3133731"), "{text}: {reason}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // Tag names are markup, not values, and say where the document went wrong.
        assert!(matches!(
            parse("<a></b>"),
            Err(Failure::Malformed(_, reason)) if reason.contains("`</a>`") && reason.contains("`</b>`")
        ));
    }
}
