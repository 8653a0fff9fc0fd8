//! Lifecycle diagrams drawn from the lifecycle crate's graphs: the current state highlighted, the path taken
//! marked with the time of each step, cancel paths dashed, faults apart. Each diagram carries a text
//! alternative listing the same facts.

use crate::app::components::time::iso_minutes;
use crate::model::StateStep;
use leptos::prelude::*;
use lifecycle::graph::{job_graph, EdgeKind, Graph, NodeKind};
use lifecycle::{JobState, Timestamp};

/// How a node relates to the job being shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Visit {
    Current,
    Visited,
    Untouched,
}

#[derive(Clone, Debug)]
struct NodeView {
    key: &'static str,
    label: &'static str,
    x: f32,
    y: f32,
    kind: NodeKind,
    visit: Visit,
    entered: Option<Timestamp>,
}

#[derive(Clone, Debug)]
struct EdgeView {
    path: String,
    label: &'static str,
    kind: EdgeKind,
    taken: bool,
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

/// Where the segment from the centre of a `w`×`h` box at `c` towards `to` leaves the box.
fn border_point(c: (f32, f32), to: (f32, f32), w: f32, h: f32) -> (f32, f32) {
    let (dx, dy) = (to.0 - c.0, to.1 - c.1);
    if dx == 0.0 && dy == 0.0 {
        return c;
    }
    let sx = if dx != 0.0 {
        (w / 2.0) / dx.abs()
    } else {
        f32::INFINITY
    };
    let sy = if dy != 0.0 {
        (h / 2.0) / dy.abs()
    } else {
        f32::INFINITY
    };
    let s = sx.min(sy);
    (c.0 + dx * s, c.1 + dy * s)
}

/// An edge's SVG path: straight between neighbours; a detour above (or below, for error paths) when it would
/// cross the nodes between its ends.
fn edge_path<S: Copy + PartialEq>(
    graph: &Graph<S>,
    from: (f32, f32),
    to: (f32, f32),
    kind: EdgeKind,
) -> String {
    let (w, h) = (graph.node_width, graph.node_height);
    let long = (to.0 - from.0).abs() > w * 1.8
        && (to.1 - from.1).abs() < h * 2.0
        && kind != EdgeKind::Fault;
    if !long {
        let a = border_point(from, to, w, h);
        let b = border_point(to, from, w + 8.0, h + 8.0);
        return format!("M{:.1},{:.1} L{:.1},{:.1}", a.0, a.1, b.0, b.1);
    }
    let below = kind == EdgeKind::Error;
    let (y1, y2) = if below {
        (from.1 + h / 2.0, to.1 + h / 2.0 + 4.0)
    } else {
        (from.1 - h / 2.0, to.1 - h / 2.0 - 4.0)
    };
    let lane = if below {
        (from.1.max(to.1) + h * 1.25).min(graph.height - 6.0)
    } else {
        (from.1.min(to.1) - h * 1.25).max(6.0)
    };
    format!(
        "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        from.0, y1, from.0, lane, to.0, lane, to.0, y2
    )
}

fn build<S: Copy + PartialEq>(
    graph: &Graph<S>,
    key: impl Fn(S) -> &'static str,
    current: S,
    visited: &[(S, Timestamp)],
    taken: &[(S, S)],
) -> (Vec<NodeView>, Vec<EdgeView>) {
    let nodes = graph
        .nodes
        .iter()
        .map(|n| {
            let entered = visited
                .iter()
                .rev()
                .find(|(s, _)| *s == n.state)
                .map(|(_, t)| *t);
            NodeView {
                key: key(n.state),
                label: n.label,
                x: n.x,
                y: n.y,
                kind: n.kind,
                visit: if n.state == current {
                    Visit::Current
                } else if entered.is_some() {
                    Visit::Visited
                } else {
                    Visit::Untouched
                },
                entered,
            }
        })
        .collect();
    let edges = graph
        .edges
        .iter()
        .filter_map(|e| {
            let from = graph.node(e.from)?;
            let to = graph.node(e.to)?;
            Some(EdgeView {
                path: edge_path(graph, (from.x, from.y), (to.x, to.y), e.kind),
                label: e.label,
                kind: e.kind,
                taken: taken.contains(&(e.from, e.to)),
            })
        })
        .collect();
    (nodes, edges)
}

#[component]
fn Svg(
    id: String,
    title: String,
    width: f32,
    height: f32,
    node_width: f32,
    node_height: f32,
    nodes: Vec<NodeView>,
    edges: Vec<EdgeView>,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let title_ref = title_id.clone();
    let marker = format!("{id}-arrow");
    let marker_taken = format!("{id}-arrow-taken");
    let marker_ref = format!("url(#{marker})");
    let marker_taken_ref = format!("url(#{marker_taken})");
    view! {
        <svg
            class="diagram"
            viewBox=format!("0 0 {width} {height}")
            role="img"
            aria-labelledby=title_ref
            data-testid=id
        >
            <title id=title_id>{title}</title>
            <defs>
                <marker id=marker viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrow"></path>
                </marker>
                <marker id=marker_taken viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrow taken"></path>
                </marker>
            </defs>
            <g class="edges">
                {edges
                    .into_iter()
                    .map(|e| {
                        let class = format!("edge {}{}", edge_class(e.kind), if e.taken { " taken" } else { "" });
                        let marker = if e.taken { marker_taken_ref.clone() } else { marker_ref.clone() };
                        view! {
                            <path class=class d=e.path marker-end=marker>
                                <title>{e.label}</title>
                            </path>
                        }
                    })
                    .collect_view()}
            </g>
            <g class="nodes">
                {nodes
                    .into_iter()
                    .map(|n| {
                        let visit = match n.visit {
                            Visit::Current => "current",
                            Visit::Visited => "visited",
                            Visit::Untouched => "untouched",
                        };
                        let class = format!("node {} {visit} state-{}", kind_class(n.kind), n.key.to_ascii_lowercase());
                        let time = n.entered.map(|t| t.format("%m-%d %H:%M").to_string());
                        let label_y = if time.is_some() { n.y - 3.0 } else { n.y + 5.0 };
                        view! {
                            <g class=class data-testid=format!("node-{}", n.key) data-visit=visit>
                                <rect
                                    x=n.x - node_width / 2.0
                                    y=n.y - node_height / 2.0
                                    width=node_width
                                    height=node_height
                                    rx="8"
                                ></rect>
                                <text x=n.x y=label_y text-anchor="middle" class="label">{n.label}</text>
                                {time.map(|t| view! { <text x=n.x y=n.y + 13.0 text-anchor="middle" class="when">{t}</text> })}
                            </g>
                        }
                    })
                    .collect_view()}
            </g>
        </svg>
    }
}

/// The job lifecycle with the job's current state and the path it took.
#[component]
pub fn JobDiagram(state: JobState, cancelled: bool, history: Vec<StateStep>) -> impl IntoView {
    let graph = job_graph();
    let visited: Vec<(JobState, Timestamp)> = history.iter().map(|s| (s.to, s.at)).collect();
    let taken: Vec<(JobState, JobState)> = history
        .iter()
        .filter_map(|s| s.from.map(|f| (f, s.to)))
        .collect();
    let (nodes, edges) = build(&graph, JobState::as_str, state, &visited, &taken);
    let mut title = format!("Job lifecycle. Current state: {state}");
    if cancelled {
        title.push_str(" (cancelled)");
    }
    let steps: Vec<String> = history
        .iter()
        .map(|s| format!("{} at {}", s.to, iso_minutes(s.at)))
        .collect();
    view! {
        <figure class="diagram-figure">
            <Svg
                id="job-diagram".into()
                title=title.clone()
                width=graph.width
                height=graph.height
                node_width=graph.node_width
                node_height=graph.node_height
                nodes
                edges
            />
            <figcaption>
                <details>
                    <summary>"Diagram as text"</summary>
                    <p>{title}</p>
                    <ol class="path-list" data-testid="job-path">
                        {steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                    </ol>
                    <p class="legend">
                        "Solid arrows are the normal path; dashed arrows are taken only by cancelled jobs; red arrows are error paths; any active state can fault."
                    </p>
                </details>
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn border_points_sit_on_the_box() {
        let p = border_point((100.0, 100.0), (300.0, 100.0), 120.0, 40.0);
        assert_eq!(p, (160.0, 100.0));
        let p = border_point((100.0, 100.0), (100.0, 300.0), 120.0, 40.0);
        assert_eq!(p, (100.0, 120.0));
    }

    #[test]
    fn long_edges_detour_and_short_ones_do_not() {
        let g = job_graph();
        let creating = g.node(JobState::Creating).unwrap();
        let shipping = g.node(JobState::Shipping).unwrap();
        let completed = g.node(JobState::Completed).unwrap();
        let short = edge_path(
            &g,
            (creating.x, creating.y),
            (shipping.x, shipping.y),
            EdgeKind::Normal,
        );
        assert!(short.contains('L') && !short.contains('C'), "{short}");
        let long = edge_path(
            &g,
            (creating.x, creating.y),
            (completed.x, completed.y),
            EdgeKind::Cancel,
        );
        assert!(long.contains('C'), "{long}");
    }
}
