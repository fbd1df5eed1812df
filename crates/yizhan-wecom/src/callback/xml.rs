//! A minimal XML tree for callback bodies, and CDATA writing for replies.
//!
//! WeCom callback XML is flat: a root `<xml>` with text (usually CDATA) leaves and, for card
//! events, two more levels. [`parse`] turns a document into an [`Element`] tree with quick-xml:
//! attributes are ignored, text and CDATA of an element are concatenated, the five predefined
//! entities and character references are resolved, `DOCTYPE` is refused (no entity tricks) and
//! nesting deeper than [`MAX_DEPTH`] is an error, so parsing any input never panics and never
//! recurses deeply.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use super::error::CryptoError;

/// Deepest element nesting accepted (callback documents use 4).
pub(crate) const MAX_DEPTH: usize = 16;

/// One element: its name, its concatenated text and its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    fn new(name: &str) -> Self {
        Element { name: name.to_owned(), ..Element::default() }
    }

    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`, in document order.
    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub(crate) fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn malformed(what: impl Into<String>) -> CryptoError {
    CryptoError::ParseXml(what.into())
}

/// Parses a whole document (a leading byte-order mark is skipped) into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element, CryptoError> {
    let mut reader = Reader::from_str(xml.strip_prefix('\u{feff}').unwrap_or(xml));
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|_| malformed(format!("malformed XML near byte {}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(malformed("content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                stack.push(Element::new(start.name().0));
            }
            Event::Empty(start) => attach(&mut stack, &mut root, Element::new(start.name().0))?,
            Event::End(_) => {
                let element = stack.pop().ok_or_else(|| malformed("unmatched end tag"))?;
                attach(&mut stack, &mut root, element)?;
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content())?,
            Event::CData(cdata) => push_text(&mut stack, &cdata.into_inner())?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .ok_or_else(|| malformed("unknown entity reference"))?
                        .to_owned(),
                    Err(_) => return Err(malformed("invalid character reference")),
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => return Err(malformed("DOCTYPE is not allowed")),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("unclosed element at end of input"));
    }
    root.ok_or_else(|| malformed("no root element"))
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) -> Result<(), CryptoError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err(malformed("more than one root element")),
    }
    Ok(())
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), CryptoError> {
    match stack.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.bytes().all(|b| b.is_ascii_whitespace()) => {}
        None => return Err(malformed("text outside the root element")),
    }
    Ok(())
}

/// Appends `text` as CDATA, splitting any `]]>` across two sections.
pub(crate) fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// Appends `<name><![CDATA[text]]></name>`.
pub(crate) fn push_cdata_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_cdata(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_cdata_and_entities() {
        let doc = parse("\u{feff}<?xml version=\"1.0\"?><xml><A><![CDATA[x<y]]></A><B>1 &amp; &#50;</B><C/>\n</xml>\n")
            .expect("valid");
        assert_eq!(doc.name, "xml");
        assert_eq!(doc.text_of("A"), Some("x<y"));
        assert_eq!(doc.text_of("B"), Some("1 & 2"));
        assert_eq!(doc.text_of("C"), Some(""));
        assert_eq!(doc.text_of("D"), None);
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            "",
            "text",
            "<xml>",
            "<xml></other>",
            "<xml/><xml/>",
            "<xml/>tail",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>",
            "<xml>&unknown;</xml>",
            "<xml>&#0;</xml>",
        ] {
            assert!(matches!(parse(bad), Err(CryptoError::ParseXml(_))), "{bad:?}");
        }
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep).is_err());
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn cdata_round_trips_terminators() {
        let mut out = String::from("<xml>");
        push_cdata_element(&mut out, "C", "a]]>b");
        out.push_str("</xml>");
        assert_eq!(parse(&out).expect("valid").text_of("C"), Some("a]]>b"));
    }
}
