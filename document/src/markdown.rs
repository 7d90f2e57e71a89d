//! The letter's Markdown body as plain data for the template: a tree of blocks and
//! inlines that the typst template walks. Nothing of the body is ever parsed as typst
//! markup, so any character in it comes out as written.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// A block of the body.
#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "t", rename_all = "lowercase")]
pub(crate) enum Block {
    Heading {
        level: u8,
        c: Vec<Inline>,
    },
    Para {
        c: Vec<Inline>,
    },
    List {
        ordered: bool,
        start: u64,
        items: Vec<Vec<Block>>,
    },
    Quote {
        c: Vec<Block>,
    },
    Code {
        s: String,
    },
    Rule,
}

/// A run of text inside a block.
#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "t", rename_all = "lowercase")]
pub(crate) enum Inline {
    Text {
        s: String,
    },
    Code {
        s: String,
    },
    Emph {
        c: Vec<Inline>,
    },
    Strong {
        c: Vec<Inline>,
    },
    Strike {
        c: Vec<Inline>,
    },
    /// Only for `http`, `https` and `mailto` targets; other links keep their text alone.
    Link {
        url: String,
        c: Vec<Inline>,
    },
    Break,
}

/// What is open while walking the events: each frame collects the children of one
/// block or inline element until its end event.
enum Frame {
    Root(Vec<Block>),
    Heading(u8, Vec<Inline>),
    Para(Vec<Inline>),
    List(bool, u64, Vec<Vec<Block>>),
    Item(Vec<Block>, Vec<Inline>),
    Quote(Vec<Block>),
    Code(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link(Option<String>, Vec<Inline>),
    /// Elements we do not draw (images, HTML blocks, tables, footnotes, ...): their text
    /// goes to the parent.
    Transparent(Vec<Inline>),
}

/// Parses `markdown` into blocks. Raw HTML is dropped (the text between tags stays),
/// images become their alternative text, tables and footnotes become paragraphs of text.
pub(crate) fn blocks(markdown: &str) -> Vec<Block> {
    let options = Options::ENABLE_STRIKETHROUGH;
    let mut stack = vec![Frame::Root(Vec::new())];
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => stack.push(open(tag)),
            Event::End(end) => close(&mut stack, end),
            Event::Text(text) => push_inline(
                &mut stack,
                Inline::Text {
                    s: text.into_string(),
                },
            ),
            Event::Code(code) => push_inline(
                &mut stack,
                Inline::Code {
                    s: code.into_string(),
                },
            ),
            Event::SoftBreak => push_inline(&mut stack, Inline::Text { s: " ".to_owned() }),
            Event::HardBreak => push_inline(&mut stack, Inline::Break),
            Event::Rule => push_block(&mut stack, Block::Rule),
            // HTML, maths and footnote references are not drawn.
            _ => {}
        }
    }
    // A well-formed event stream closes everything; fold whatever is left, just in case.
    while stack.len() > 1 {
        fold_top(&mut stack);
    }
    match stack.pop() {
        Some(Frame::Root(blocks)) => blocks,
        _ => Vec::new(),
    }
}

fn open(tag: Tag<'_>) -> Frame {
    match tag {
        Tag::Heading { level, .. } => Frame::Heading(heading_level(level), Vec::new()),
        Tag::Paragraph => Frame::Para(Vec::new()),
        Tag::List(start) => Frame::List(start.is_some(), start.unwrap_or(1), Vec::new()),
        Tag::Item => Frame::Item(Vec::new(), Vec::new()),
        Tag::BlockQuote(_) => Frame::Quote(Vec::new()),
        Tag::CodeBlock(_) => Frame::Code(String::new()),
        Tag::Emphasis => Frame::Emph(Vec::new()),
        Tag::Strong => Frame::Strong(Vec::new()),
        Tag::Strikethrough => Frame::Strike(Vec::new()),
        Tag::Link { dest_url, .. } => Frame::Link(safe_url(&dest_url), Vec::new()),
        _ => Frame::Transparent(Vec::new()),
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Keeps a link target only when it is a web or mail address.
fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    let allowed = ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme));
    allowed.then(|| url.trim().to_owned())
}

fn close(stack: &mut Vec<Frame>, _end: TagEnd) {
    if stack.len() > 1 {
        fold_top(stack);
    }
}

/// Pops the top frame and hands what it built to its parent.
fn fold_top(stack: &mut Vec<Frame>) {
    let Some(frame) = stack.pop() else { return };
    match frame {
        Frame::Root(blocks) => {
            // Never pushed above another frame; put it back.
            stack.push(Frame::Root(blocks));
        }
        Frame::Heading(level, c) => push_block(stack, Block::Heading { level, c }),
        Frame::Para(c) => push_block(stack, Block::Para { c }),
        Frame::List(ordered, start, items) => push_block(
            stack,
            Block::List {
                ordered,
                start,
                items,
            },
        ),
        Frame::Item(mut blocks, loose) => {
            if !loose.is_empty() {
                blocks.insert(0, Block::Para { c: loose });
            }
            if let Some(Frame::List(_, _, items)) = stack.last_mut() {
                items.push(blocks);
            } else {
                for block in blocks {
                    push_block(stack, block);
                }
            }
        }
        Frame::Quote(c) => push_block(stack, Block::Quote { c }),
        Frame::Code(s) => push_block(stack, Block::Code { s }),
        Frame::Emph(c) => push_inline(stack, Inline::Emph { c }),
        Frame::Strong(c) => push_inline(stack, Inline::Strong { c }),
        Frame::Strike(c) => push_inline(stack, Inline::Strike { c }),
        Frame::Link(Some(url), c) => push_inline(stack, Inline::Link { url, c }),
        Frame::Link(None, c) | Frame::Transparent(c) => {
            for inline in c {
                push_inline(stack, inline);
            }
        }
    }
}

fn push_block(stack: &mut Vec<Frame>, block: Block) {
    match stack.last_mut() {
        Some(Frame::Root(blocks) | Frame::Quote(blocks)) => blocks.push(block),
        Some(Frame::Item(blocks, loose)) => {
            // Text of a tight list item arrives without a paragraph: keep it in order.
            if !loose.is_empty() {
                blocks.push(Block::Para {
                    c: std::mem::take(loose),
                });
            }
            blocks.push(block);
        }
        Some(Frame::List(_, _, items)) => items.push(vec![block]),
        _ => {
            // A block inside an inline context (cannot happen with pulldown-cmark's
            // events): keep its text rather than lose it.
            for inline in block_text(block) {
                push_inline(stack, inline);
            }
        }
    }
}

fn push_inline(stack: &mut Vec<Frame>, inline: Inline) {
    match stack.last_mut() {
        Some(
            Frame::Heading(_, c)
            | Frame::Para(c)
            | Frame::Emph(c)
            | Frame::Strong(c)
            | Frame::Strike(c)
            | Frame::Link(_, c)
            | Frame::Transparent(c),
        ) => c.push(inline),
        Some(Frame::Item(_, loose)) => loose.push(inline),
        Some(Frame::Code(s)) => {
            if let Inline::Text { s: text } = inline {
                s.push_str(&text);
            }
        }
        Some(Frame::Root(_) | Frame::Quote(_) | Frame::List(..)) | None => {
            // Loose text outside a paragraph (e.g. inside an HTML block): a paragraph of its own.
            push_block(stack, Block::Para { c: vec![inline] });
        }
    }
}

fn block_text(block: Block) -> Vec<Inline> {
    match block {
        Block::Heading { c, .. } | Block::Para { c } => c,
        Block::Code { s } => vec![Inline::Text { s }],
        Block::Quote { c } => c.into_iter().flat_map(block_text).collect(),
        Block::List { items, .. } => items.into_iter().flatten().flat_map(block_text).collect(),
        Block::Rule => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text { s: s.to_owned() }
    }

    #[test]
    fn headings_paragraphs_and_emphasis_become_blocks() {
        let got = blocks("# Title\n\nSome *very* **bold** text.");
        assert_eq!(
            got,
            vec![
                Block::Heading {
                    level: 1,
                    c: vec![text("Title")]
                },
                Block::Para {
                    c: vec![
                        text("Some "),
                        Inline::Emph {
                            c: vec![text("very")]
                        },
                        text(" "),
                        Inline::Strong {
                            c: vec![text("bold")]
                        },
                        text(" text."),
                    ]
                },
            ]
        );
    }

    #[test]
    fn tight_and_loose_list_items_keep_their_text_in_order() {
        let got = blocks("1. one\n2. two\n   - inner\n");
        let Block::List {
            ordered,
            start,
            items,
        } = &got[0]
        else {
            panic!("not a list: {got:?}");
        };
        assert!(ordered);
        assert_eq!(*start, 1);
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            vec![Block::Para {
                c: vec![text("one")]
            }]
        );
        assert_eq!(
            items[1][0],
            Block::Para {
                c: vec![text("two")]
            }
        );
        assert!(matches!(items[1][1], Block::List { ordered: false, .. }));
    }

    #[test]
    fn only_web_and_mail_links_stay_links() {
        let got =
            blocks("[a](https://example.org) [b](javascript:alert(1)) [c](mailto:x@example.org)");
        let Block::Para { c } = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(
            c[0],
            Inline::Link {
                url: "https://example.org".to_owned(),
                c: vec![text("a")]
            }
        );
        assert_eq!(c[2], text("b"));
        assert!(matches!(&c[4], Inline::Link { url, .. } if url == "mailto:x@example.org"));
    }

    #[test]
    fn raw_html_is_dropped_but_its_text_stays() {
        let got = blocks("Hello <script>alert(1)</script> <b>world</b>");
        let Block::Para { c } = &got[0] else {
            panic!("{got:?}")
        };
        let all: String = c
            .iter()
            .map(|i| match i {
                Inline::Text { s } => s.as_str(),
                _ => "",
            })
            .collect();
        assert!(!all.contains("<script>"), "{all}");
        assert!(all.contains("world"), "{all}");
    }
}
