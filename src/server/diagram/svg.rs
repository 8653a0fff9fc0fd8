//! One layout of a lifecycle diagram written as markup: the SVG drawing and the list of focusable states over
//! it. The drawing has no reactive part and no event handler, so the page inserts it as one piece of inner
//! HTML instead of a few hundred view nodes: the server renders it with a handful of string writes and the
//! browser hydrates it as a single element. Every text from outside the graph (the diagram's title, drive ids
//! in the marks, times) is text content, escaped here; attribute values are numbers and the graph's own names.

use super::layout::{label_lines, Layout};
use lifecycle::graph::{EdgeKind, NodeKind};
use lifecycle::Timestamp;
use std::fmt::Write;

/// How a node relates to the job being shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    Current,
    Visited,
    Untouched,
}

impl Visit {
    fn as_str(self) -> &'static str {
        match self {
            Visit::Current => "current",
            Visit::Visited => "visited",
            Visit::Untouched => "untouched",
        }
    }
}

/// What the diagram says about one state, the same in both layouts.
#[derive(Clone, Debug)]
pub struct NodeFacts {
    pub key: &'static str,
    pub label: &'static str,
    /// The tooltip's text: what the state means, the drives in it, when it was reached.
    pub detail: String,
    /// The node's small line: the drives in this state, or when the job entered it.
    pub small: Option<String>,
    pub kind: NodeKind,
    pub visit: Visit,
}

/// One line of the diagram: every edge between two states of one kind of path (the several ways of making a
/// step, and a fault with the resolution back), drawn along the path of its first edge.
#[derive(Clone, Debug)]
pub struct EdgeView {
    /// The graph edge whose path in each layout draws the line.
    pub first: usize,
    /// Each way, with who makes it: "Missing at intake (operator); Shipping overdue (timer)".
    pub label: String,
    pub kind: EdgeKind,
    /// Taken in the line's own direction.
    pub taken: bool,
    /// The line also runs backwards (an arrowhead at its start too), and whether that way was taken.
    pub both_ways: bool,
    pub taken_back: bool,
    /// Every way along the line happens only in a particular situation: drawn dashed.
    pub conditional: bool,
}

fn kind_class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Start => "start",
        NodeKind::Normal => "normal",
        NodeKind::Terminal => "terminal",
        NodeKind::Fault => "fault",
    }
}

fn edge_class(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Normal => "normal",
        EdgeKind::Cancel => "cancel",
        EdgeKind::Error => "error",
        EdgeKind::Fault => "fault",
    }
}

/// The node's small line when no drive is marked on it: when the job entered the state.
pub fn entered_short(t: Timestamp) -> String {
    lifecycle::dates::month_day_minutes(t)
}

fn text(out: &mut String, s: &str) {
    out.push_str(&html_escape::encode_text(s));
}

/// The inside of one `diagram-box`: `id` is the SVG's test id (and the prefix of its element ids), `variant`
/// the layout's name (`wide`, `compact`), which the stylesheet uses to show one of the two.
pub fn svg_markup(
    id: &str,
    variant: &str,
    title: &str,
    layout: &Layout,
    nodes: &[NodeFacts],
    edges: &[EdgeView],
) -> String {
    let mut out = String::with_capacity(8192);
    let (width, height) = (layout.width, layout.height);
    let (node_width, node_height) = (layout.node_width, layout.node_height);
    // `write!` into a String cannot fail.
    let _ = write!(
        out,
        r#"<svg class="diagram {variant}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title" data-testid="{id}"><title id="{id}-title">"#
    );
    text(&mut out, title);
    out.push_str("</title><defs>");
    for (suffix, class) in [("arrow", "arrow"), ("arrow-taken", "arrow taken")] {
        let _ = write!(
            out,
            r#"<marker id="{id}-{suffix}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="{class}"></path></marker>"#
        );
    }
    out.push_str(r#"</defs><g class="edges">"#);
    let marker = |taken: bool| {
        if taken {
            format!("url(#{id}-arrow-taken)")
        } else {
            format!("url(#{id}-arrow)")
        }
    };
    for e in edges {
        let Some(Some(path)) = layout.paths.get(e.first) else {
            continue;
        };
        let taken = if e.taken || e.taken_back {
            " taken"
        } else {
            ""
        };
        let conditional = if e.conditional { " conditional" } else { "" };
        let _ = write!(
            out,
            r#"<path class="edge {}{taken}{conditional}" d="{path}""#,
            edge_class(e.kind)
        );
        if e.both_ways {
            let _ = write!(out, r#" marker-start="{}""#, marker(e.taken_back));
        }
        let _ = write!(out, r#" marker-end="{}"><title>"#, marker(e.taken));
        text(&mut out, &e.label);
        out.push_str("</title></path>");
    }
    out.push_str(r#"</g><g class="nodes">"#);
    for (n, &(x, y)) in nodes.iter().zip(&layout.centres) {
        let visit = n.visit.as_str();
        let _ = write!(
            out,
            r#"<g class="node {} {visit} state-{}" data-testid="node-{}" data-visit="{visit}">"#,
            kind_class(n.kind),
            n.key.to_ascii_lowercase(),
            n.key
        );
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{node_width}" height="{node_height}" rx="8"></rect>"#,
            x - node_width / 2.0,
            y - node_height / 2.0
        );
        let lines = label_lines(n.label, layout.wrap_labels);
        // The label's lines (14 apart) and the small line (13 below them), centred as one block.
        let label_span = (lines.len() as f32 - 1.0) * 14.0;
        let block = label_span + if n.small.is_some() { 13.0 } else { 0.0 };
        let first = y + 4.5 - block / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                out,
                r#"<text x="{x}" y="{}" text-anchor="middle" class="label">"#,
                first + i as f32 * 14.0
            );
            text(&mut out, line);
            out.push_str("</text>");
        }
        if let Some(small) = &n.small {
            let _ = write!(
                out,
                r#"<text x="{x}" y="{}" text-anchor="middle" class="when">"#,
                first + label_span + 13.0
            );
            text(&mut out, small);
            out.push_str("</text>");
        }
        out.push_str("</g>");
    }
    // Focusable states over the drawing, each with a tooltip that shows on focus and on hover (HTML, so it
    // wraps and works without JavaScript; the SVG's own <title> tooltips show on hover only).
    out.push_str(
        r#"</g></svg><ul class="diagram-states" aria-label="States (focus one for its details)">"#,
    );
    let pct = |v: f32, of: f32| format!("{:.3}%", v / of * 100.0);
    for (n, &(x, y)) in nodes.iter().zip(&layout.centres) {
        let across = x / width;
        let side = if across < 0.3 {
            " tip-start"
        } else if across > 0.7 {
            " tip-end"
        } else {
            " tip-center"
        };
        let above = if y / height > 0.6 { " tip-above" } else { "" };
        let _ = write!(
            out,
            r#"<li class="spot{side}{above}" style="left:{};top:{};width:{};height:{}" tabindex="0" data-testid="state-{}"><span class="visually-hidden">"#,
            pct(x - node_width / 2.0, width),
            pct(y - node_height / 2.0, height),
            pct(node_width, width),
            pct(node_height, height),
            n.key
        );
        text(&mut out, n.label);
        out.push_str(match n.visit {
            Visit::Current => ", current state",
            Visit::Visited => ", reached",
            Visit::Untouched => "",
        });
        let _ = write!(
            out,
            r#"</span><span class="tip" role="tooltip" data-testid="tip-{}"><strong>"#,
            n.key
        );
        text(&mut out, n.label);
        out.push_str("</strong> ");
        text(&mut out, &n.detail);
        out.push_str("</span></li>");
    }
    out.push_str("</ul>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_is_escaped() {
        let layout = Layout {
            width: 200.0,
            height: 100.0,
            node_width: 80.0,
            node_height: 40.0,
            centres: vec![(50.0, 50.0)],
            paths: vec![],
            wrap_labels: false,
        };
        let node = NodeFacts {
            key: "Received",
            label: "Received",
            detail: "Now: 1 drive. <b>&\"".into(),
            small: Some("<i>".into()),
            kind: NodeKind::Normal,
            visit: Visit::Current,
        };
        let markup = svg_markup("d", "wide", "Drive <x> & \"y\"", &layout, &[node], &[]);
        assert!(markup.contains("<title id=\"d-title\">Drive &lt;x&gt; &amp; \"y\"</title>"));
        assert!(markup.contains("Now: 1 drive. &lt;b&gt;&amp;\""));
        assert!(markup.contains(">&lt;i&gt;</text>"));
        assert!(!markup.contains("<b>") && !markup.contains("<i>"));
        assert!(markup.contains(
            r#"<g class="node normal current state-received" data-testid="node-Received" data-visit="current">"#
        ));
        assert!(markup.contains(r#"<li class="spot tip-start" style="left:5.000%;top:30.000%;width:40.000%;height:40.000%" tabindex="0" data-testid="state-Received">"#));
    }
}
