//! Where the lifecycle diagrams put their nodes and how they draw their edges, in two layouts computed from
//! the lifecycle crate's graphs: the graph's own left-to-right layout for wide screens, and a compact
//! top-to-bottom one for phones (360 px), where the graph's columns become rows and the states off the main
//! line sit in a column beside it. Neither layout knows any state: both work from the graph's coordinates.

use lifecycle::graph::{EdgeKind, Graph};

/// A graph laid out: node centres (in the graph's node order) and one SVG path per edge (in its edge order).
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: f32,
    pub height: f32,
    pub node_width: f32,
    pub node_height: f32,
    pub centres: Vec<(f32, f32)>,
    /// `None` for an edge whose end is not drawn.
    pub paths: Vec<Option<String>>,
    /// Long labels are wrapped onto two lines (the compact layout's nodes are narrow).
    pub wrap_labels: bool,
}

/// Where the segment from the centre of a `w`×`h` box at `c` towards `to` leaves the box.
pub fn border_point(c: (f32, f32), to: (f32, f32), w: f32, h: f32) -> (f32, f32) {
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

fn index_of<S: Copy + PartialEq>(graph: &Graph<S>, state: S) -> Option<usize> {
    graph.nodes.iter().position(|n| n.state == state)
}

/// The graph's own layout: states left to right.
pub fn wide<S: Copy + PartialEq>(graph: &Graph<S>) -> Layout {
    let centres: Vec<(f32, f32)> = graph.nodes.iter().map(|n| (n.x, n.y)).collect();
    let paths = graph
        .edges
        .iter()
        .map(|e| {
            let from = centres[index_of(graph, e.from)?];
            let to = centres[index_of(graph, e.to)?];
            Some(wide_path(graph, from, to, e.kind))
        })
        .collect();
    Layout {
        width: graph.width,
        height: graph.height,
        node_width: graph.node_width,
        node_height: graph.node_height,
        centres,
        paths,
        wrap_labels: false,
    }
}

/// An edge of the wide layout: straight between neighbours; a detour above (or below, for error paths) when
/// it would cross the nodes between its ends.
pub fn wide_path<S: Copy + PartialEq>(
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

/// The compact layout's node size and spacing (in its own units; the SVG scales to the screen).
const NODE_W: f32 = 100.0;
const NODE_H: f32 = 44.0;
/// Space between columns, and on both outer sides: detours run in these gaps.
const GAP: f32 = 16.0;
/// Vertical distance between two consecutive columns of the wide layout.
const ROW: f32 = 70.0;
/// Room for the arrow head at an edge's end.
const ARROW: f32 = 4.0;

/// The main line's `y` in the wide layout: the one most nodes share (the first node's on a tie).
fn main_line<S>(graph: &Graph<S>) -> f32 {
    let mut best = (0usize, graph.nodes.first().map(|n| n.y).unwrap_or(0.0));
    for n in &graph.nodes {
        let count = graph
            .nodes
            .iter()
            .filter(|m| (m.y - n.y).abs() < 0.5)
            .count();
        if count > best.0 {
            best = (count, n.y);
        }
    }
    best.1
}

/// Top to bottom: the wide layout's `x` becomes `y`; the states on the main line form the middle column, the
/// states above it a column on the left, those below it one on the right.
pub fn compact<S: Copy + PartialEq>(graph: &Graph<S>) -> Layout {
    let main = main_line(graph);
    let side = |y: f32| -> i8 {
        if (y - main).abs() < 0.5 {
            0
        } else if y < main {
            -1
        } else {
            1
        }
    };
    let mut sides: Vec<i8> = graph.nodes.iter().map(|n| side(n.y)).collect();
    sides.sort();
    sides.dedup();
    let column_x = |s: i8| {
        let i = sides.iter().position(|&x| x == s).unwrap_or(0) as f32;
        GAP + NODE_W / 2.0 + i * (NODE_W + GAP)
    };
    // One row per step of the main line; states between two steps (a fault drawn half-way) sit half-way.
    let mut main_xs: Vec<f32> = graph
        .nodes
        .iter()
        .filter(|n| side(n.y) == 0)
        .map(|n| n.x)
        .collect();
    main_xs.sort_by(f32::total_cmp);
    let step = main_xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.5)
        .fold(f32::INFINITY, f32::min);
    let step = if step.is_finite() { step } else { 1.0 };
    let min_x = graph
        .nodes
        .iter()
        .map(|n| n.x)
        .fold(f32::INFINITY, f32::min);
    let top = NODE_H / 2.0 + 10.0;
    let centres: Vec<(f32, f32)> = graph
        .nodes
        .iter()
        .map(|n| (column_x(side(n.y)), top + (n.x - min_x) / step * ROW))
        .collect();
    let width = sides.len() as f32 * NODE_W + (sides.len() as f32 + 1.0) * GAP;
    let height = centres.iter().map(|c| c.1).fold(0.0, f32::max) + NODE_H / 2.0 + 10.0;
    let mut lanes = Lanes::default();
    let paths = graph
        .edges
        .iter()
        .map(|e| {
            let from = index_of(graph, e.from)?;
            let to = index_of(graph, e.to)?;
            Some(compact_path(&centres, from, to, e.kind, &mut lanes))
        })
        .collect();
    Layout {
        width,
        height,
        node_width: NODE_W,
        node_height: NODE_H,
        centres,
        paths,
        wrap_labels: true,
    }
}

/// Whether the segment a–b passes through the box of a node (other than its ends), with a small margin.
fn crosses(a: (f32, f32), b: (f32, f32), centre: (f32, f32), w: f32, h: f32) -> bool {
    let (x0, x1) = (centre.0 - w / 2.0 - 3.0, centre.0 + w / 2.0 + 3.0);
    let (y0, y1) = (centre.1 - h / 2.0 - 3.0, centre.1 + h / 2.0 + 3.0);
    // Liang–Barsky clipping of the segment against the box.
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// The vertical detour lanes in use, so that two detours in the same gap run side by side, not on top of
/// each other.
#[derive(Default)]
struct Lanes {
    used: Vec<(f32, f32, f32, f32)>,
}

impl Lanes {
    /// An `x` near `base` free between `y0` and `y1`.
    fn take(&mut self, base: f32, y0: f32, y1: f32) -> f32 {
        for offset in [0.0, 4.0, -4.0] {
            let x = base + offset;
            let taken = self
                .used
                .iter()
                .any(|&(ux, a, b, _)| (ux - x).abs() < 1.0 && a < y1 && y0 < b);
            if !taken {
                self.used.push((x, y0, y1, base));
                return x;
            }
        }
        base
    }
}

/// An edge of the compact layout: straight when nothing is in the way, otherwise out of the side of its start,
/// along the gap beside the column, and into the side of its end.
fn compact_path(
    centres: &[(f32, f32)],
    from: usize,
    to: usize,
    kind: EdgeKind,
    lanes: &mut Lanes,
) -> String {
    let (a, b) = (centres[from], centres[to]);
    let p = border_point(a, b, NODE_W, NODE_H);
    let q = border_point(b, a, NODE_W + 2.0 * ARROW, NODE_H + 2.0 * ARROW);
    let blocked = centres
        .iter()
        .enumerate()
        .any(|(i, &c)| i != from && i != to && crosses(p, q, c, NODE_W, NODE_H));
    if !blocked {
        return format!("M{:.1},{:.1} L{:.1},{:.1}", p.0, p.1, q.0, q.1);
    }
    // Towards the end's column; within one column, cancel paths on the left and the others on the right.
    let right = if (b.0 - a.0).abs() > 1.0 {
        b.0 > a.0
    } else {
        kind != EdgeKind::Cancel
    };
    let dir = if right { 1.0 } else { -1.0 };
    let lane = lanes.take(a.0 + dir * (NODE_W + GAP) / 2.0, a.1.min(b.1), a.1.max(b.1));
    let start_x = a.0 + dir * NODE_W / 2.0;
    // Into the end's side that faces the lane.
    let end_x = if lane > b.0 {
        b.0 + NODE_W / 2.0 + ARROW
    } else {
        b.0 - NODE_W / 2.0 - ARROW
    };
    format!(
        "M{:.1},{:.1} H{:.1} V{:.1} H{:.1}",
        start_x, a.1, lane, b.1, end_x
    )
}

/// A label on one line, or on two when it is long (split at the space nearest its middle).
pub fn label_lines(label: &str, wrap: bool) -> Vec<String> {
    const FITS: usize = 12;
    if !wrap || label.chars().count() <= FITS {
        return vec![label.to_string()];
    }
    let middle = label.len() / 2;
    let split = label
        .match_indices(' ')
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(middle));
    match split {
        Some(i) => vec![label[..i].to_string(), label[i + 1..].to_string()],
        None => vec![label.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifecycle::graph::{drive_graph, job_graph};
    use lifecycle::JobState;

    #[test]
    fn border_points_sit_on_the_box() {
        let p = border_point((100.0, 100.0), (300.0, 100.0), 120.0, 40.0);
        assert_eq!(p, (160.0, 100.0));
        let p = border_point((100.0, 100.0), (100.0, 300.0), 120.0, 40.0);
        assert_eq!(p, (100.0, 120.0));
    }

    #[test]
    fn long_wide_edges_detour_and_short_ones_do_not() {
        let g = job_graph();
        let creating = g.node(JobState::Creating).unwrap();
        let shipping = g.node(JobState::Shipping).unwrap();
        let completed = g.node(JobState::Completed).unwrap();
        let short = wide_path(
            &g,
            (creating.x, creating.y),
            (shipping.x, shipping.y),
            EdgeKind::Normal,
        );
        assert!(short.contains('L') && !short.contains('C'), "{short}");
        let long = wide_path(
            &g,
            (creating.x, creating.y),
            (completed.x, completed.y),
            EdgeKind::Cancel,
        );
        assert!(long.contains('C'), "{long}");
    }

    fn check_compact<S: Copy + PartialEq + std::fmt::Debug>(g: &Graph<S>) -> Layout {
        let l = compact(g);
        // Narrow enough for a phone without shrinking the labels much: at most three columns.
        assert!(l.width <= 3.0 * NODE_W + 4.0 * GAP, "{}", l.width);
        for (i, a) in l.centres.iter().enumerate() {
            assert!(a.0 - NODE_W / 2.0 >= 0.0 && a.0 + NODE_W / 2.0 <= l.width);
            assert!(a.1 - NODE_H / 2.0 >= 0.0 && a.1 + NODE_H / 2.0 <= l.height);
            for (j, b) in l.centres.iter().enumerate() {
                if i != j {
                    let apart = (a.0 - b.0).abs() >= NODE_W || (a.1 - b.1).abs() >= NODE_H;
                    assert!(
                        apart,
                        "{:?} overlaps {:?}",
                        g.nodes[i].state, g.nodes[j].state
                    );
                }
            }
        }
        assert_eq!(l.paths.len(), g.edges.len());
        assert!(l.paths.iter().all(Option::is_some));
        l
    }

    #[test]
    fn the_compact_layouts_fit_a_phone_and_keep_the_main_line_in_one_column() {
        let job = job_graph();
        let l = check_compact(&job);
        let x = |s: JobState| l.centres[index_of(&job, s).unwrap()];
        for s in [
            JobState::Shipping,
            JobState::Received,
            JobState::Transferring,
            JobState::Packaging,
        ] {
            assert_eq!(x(s).0, x(JobState::Creating).0, "{s}");
        }
        assert!(x(JobState::Shipping).1 > x(JobState::Creating).1);
        // The end states share the last row, on either side.
        assert_eq!(x(JobState::Completed).1, x(JobState::Closed).1);
        assert!(x(JobState::Completed).0 < x(JobState::Packaging).0);
        assert!(x(JobState::Closed).0 > x(JobState::Packaging).0);
        check_compact(&drive_graph());
    }

    #[test]
    fn compact_edges_never_cut_through_a_node() {
        for (l, edges) in [
            {
                let g = job_graph();
                (
                    compact(&g),
                    g.edges
                        .iter()
                        .map(|e| (index_of(&g, e.from).unwrap(), index_of(&g, e.to).unwrap()))
                        .collect::<Vec<_>>(),
                )
            },
            {
                let g = drive_graph();
                (
                    compact(&g),
                    g.edges
                        .iter()
                        .map(|e| (index_of(&g, e.from).unwrap(), index_of(&g, e.to).unwrap()))
                        .collect::<Vec<_>>(),
                )
            },
        ] {
            for (path, (from, to)) in l.paths.iter().zip(edges) {
                let path = path.as_ref().unwrap();
                let points = path_points(path);
                for pair in points.windows(2) {
                    for (i, c) in l.centres.iter().enumerate() {
                        if i != from && i != to {
                            assert!(
                                !crosses(pair[0], pair[1], *c, NODE_W - 6.0, NODE_H - 6.0),
                                "{path} crosses node {i}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The corners of a path made of M, L, H and V commands.
    fn path_points(path: &str) -> Vec<(f32, f32)> {
        let mut points = Vec::new();
        let mut at = (0.0, 0.0);
        for part in path.split(' ') {
            let (cmd, rest) = part.split_at(1);
            at = match cmd {
                "M" | "L" => {
                    let (x, y) = rest.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                }
                "H" => (rest.parse().unwrap(), at.1),
                "V" => (at.0, rest.parse().unwrap()),
                other => panic!("unexpected {other}"),
            };
            points.push(at);
        }
        points
    }

    #[test]
    fn long_labels_wrap_in_the_compact_layout_only() {
        assert_eq!(
            label_lines("Completed, more info", true),
            vec!["Completed,", "more info"]
        );
        assert_eq!(
            label_lines("Never received", true),
            vec!["Never", "received"]
        );
        assert_eq!(label_lines("Transferring", true), vec!["Transferring"]);
        assert_eq!(label_lines("Never received", false), vec!["Never received"]);
    }
}
