//! What a person has typed into a live page's forms and not saved yet. A live page redraws its view whenever
//! the data it shows changes (staff, a timer, the API, another tab); the drafts live with the page, outside
//! the redrawn view, so the redrawn forms come back with what was typed, and the focused input with its caret.
//!
//! A page provides [`FormDrafts`] as context; its forms record their inputs into it (`on:input`/`on:change`
//! on a container, see [`FormDrafts::record`]); `Field` starts from the draft of its name when there is one;
//! a form clears its drafts once it has been saved.

use leptos::prelude::*;
use std::collections::HashMap;

/// Unsaved input values by input name (`pkg[tracking_number]`). Not reactive: writing a draft redraws nothing.
#[derive(Clone, Copy)]
pub struct FormDrafts(StoredValue<HashMap<String, String>>);

impl Default for FormDrafts {
    fn default() -> Self {
        FormDrafts::new()
    }
}

impl FormDrafts {
    pub fn new() -> FormDrafts {
        FormDrafts(StoredValue::new(HashMap::new()))
    }

    /// Records the value of the named input, select or textarea an `input` or `change` event came from.
    pub fn record(&self, ev: &leptos::ev::Event) {
        let target: leptos::web_sys::Element = event_target(ev);
        let Some(name) = target.get_attribute("name") else {
            return;
        };
        // Checkboxes and hidden inputs are not text the person typed.
        if matches!(
            target.get_attribute("type").as_deref(),
            Some("checkbox" | "radio" | "hidden")
        ) {
            return;
        }
        let value = event_target_value(ev);
        self.set(&name, value);
    }

    pub fn set(&self, name: &str, value: String) {
        self.0.update_value(|d| {
            d.insert(name.to_string(), value);
        });
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.with_value(|d| d.get(name).cloned())
    }

    /// The draft of `name`, or `stored` when nothing was typed.
    pub fn or(&self, name: &str, stored: String) -> String {
        self.get(name).unwrap_or(stored)
    }

    /// Forgets the drafts of one form (every name starting with `prefix`, e.g. `pkg[`), after it was saved.
    pub fn clear(&self, prefix: &str) {
        self.0
            .update_value(|d| d.retain(|name, _| !name.starts_with(prefix)));
    }
}

/// Empties the textarea with `id` once what it held was saved. A redraw keeps the existing element, and with it
/// the text the person typed, when the text it is drawn with has not changed (empty before and after).
pub fn clear_text_area(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(area) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlTextAreaElement>().ok())
        {
            area.set_value("");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// The focused form control and its caret, to put back after a redraw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Focus {
    id: String,
    selection: Option<(u32, u32)>,
}

/// The form control that has the focus now, if it has an id (every `Field` does).
pub fn focused() -> Option<Focus> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let element = document().active_element()?;
        let id = element.id();
        if id.is_empty() {
            return None;
        }
        // Number and date inputs have no caret (reading it throws): they keep the focus only.
        let selection = element
            .dyn_ref::<leptos::web_sys::HtmlInputElement>()
            .and_then(|input| {
                let start = input.selection_start().ok().flatten()?;
                let end = input.selection_end().ok().flatten()?;
                Some((start, end))
            });
        Some(Focus { id, selection })
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// After a redraw: makes every form control in a `data-drafts` container show the value it was drawn with
/// (the draft, or the stored value), then puts the focus and caret back on the control with the same id.
///
/// A redraw may update the existing controls in place, and an input or select the person has changed
/// ignores later changes of its `value` / `selected` attributes: without this, a form saved and then changed
/// by someone else would keep showing the old text.
pub fn after_redraw(focus: Option<Focus>) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use leptos::web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
        use wasm_bindgen::JsCast;
        if let Ok(list) = document().query_selector_all("[data-drafts] input, [data-drafts] select")
        {
            for i in 0..list.length() {
                let Some(node) = list.item(i) else { continue };
                if let Some(input) = node.dyn_ref::<HtmlInputElement>() {
                    if matches!(
                        input.type_().as_str(),
                        "checkbox" | "radio" | "hidden" | "submit"
                    ) {
                        continue;
                    }
                    let drawn = input.get_attribute("value").unwrap_or_default();
                    if input.value() != drawn {
                        input.set_value(&drawn);
                    }
                } else if let Some(select) = node.dyn_ref::<HtmlSelectElement>() {
                    let drawn = select
                        .query_selector("option[selected]")
                        .ok()
                        .flatten()
                        .and_then(|o| o.get_attribute("value"));
                    if let Some(drawn) = drawn {
                        if select.value() != drawn {
                            select.set_value(&drawn);
                        }
                    }
                }
            }
        }
        let Some(focus) = focus else { return };
        let Some(element) = document().get_element_by_id(&focus.id) else {
            return;
        };
        if document().active_element().as_ref() != Some(&element) {
            if let Some(el) = element.dyn_ref::<HtmlElement>() {
                let _ = el.focus();
            }
        }
        if let (Some(input), Some((start, end))) =
            (element.dyn_ref::<HtmlInputElement>(), focus.selection)
        {
            let _ = input.set_selection_range(start, end);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = focus;
}
