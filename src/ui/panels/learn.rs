//! Learn, the teaching view: the backbone's layers as a table with the cut marked and
//! changeable, one layer's live activation maps, MobileNet's own top-5 guesses for the live
//! frame, and the size of the head trained on the cut.

use egui::{RichText, Sense, Ui, vec2};

use crate::backbone::Backbone;

use super::super::app::LearnPage;
use super::super::commands::Command;
use super::Ctx;
use super::widgets::{ACCENT, confidence_bar, hint, si, thousands};
use crate::live::feature_worker::MAX_CHANNELS;

/// The learn panel's view state.
#[derive(Debug, Default)]
pub struct LearnView {
    /// Show every conv, not only the rows where the network can be cut.
    all_rows: bool,
    /// The feature map page.
    pub example_map: super::example_map::ExampleMapView,
}

/// The head's size as people write it: `12,544 × 100 + 100 + 100 × 5 = 1.25 M parameters`
/// (inputs × units, the hidden bias, units × classes; the output layer has no bias, as in the
/// TF.js demo).
#[must_use]
pub fn head_size(inputs: usize, units: usize, classes: usize) -> String {
    let total = inputs * units + units + units * classes;
    format!("{} × {units} + {units} + {units} × {classes} = {} parameters", thousands(inputs), si(total))
}

impl LearnView {
    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>) {
        let Some(bb) = cx.rt.backbone().cloned() else {
            match cx.rt.load_state() {
                crate::live::LoadState::Failed(_) => {
                    hint(ui, "The network could not be loaded — the banner above says why and how to fix it.");
                }
                _ => hint(ui, "The network is still loading…"),
            }
            return;
        };
        ui.horizontal(|ui| {
            for (page, label) in [
                (LearnPage::Layers, "What each layer sees"),
                (LearnPage::Map, "Where your examples land (feature map)"),
            ] {
                if ui.selectable_label(cx.settings.learn_page == page, RichText::new(label).size(16.0)).clicked() {
                    cx.cmds.push(Command::LearnPage(page));
                }
            }
        });
        if cx.settings.learn_page == LearnPage::Map {
            return self.example_map.ui(ui, cx);
        }
        egui::Panel::left("layers").default_size(640.0).resizable(true).show(ui, |ui| self.table(ui, cx, &bb));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| view(ui, cx, &bb));
        });
    }

    fn table(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>, bb: &Backbone) {
        ui.heading(format!("{} — layer by layer", bb.architecture()));
        hint(
            ui,
            "MobileNet turns the 224 × 224 picture into features, layer by layer: early layers see edges and colours, later ones parts and objects. \
             Everything up to the cut (the row marked «cut») stays frozen; only the small head after it is trained on your examples. Click a layer's name to see what it sees.",
        );
        ui.checkbox(&mut self.all_rows, "show every layer (not only where the network can be cut)");
        let cut = cx.doc.map_or(bb.default_cut(), crate::live::doc::Document::cut);
        let viewing = cx.settings.learn_layer.as_deref().and_then(|n| bb.find_cut(n).ok()).unwrap_or(cut);
        let layers = bb.layers();
        // MobileNet V1's cuts also have the Keras names the TF.js demo uses (conv_pw_13_relu).
        let aliases = bb.cuts().iter().any(|c| c.alias.is_some());
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            egui::Grid::new("layer-table").striped(true).show(ui, |ui| {
                for h in ["cut", "layer", "kind", "output", "params", "MACs"] {
                    ui.label(RichText::new(h).strong());
                }
                if aliases {
                    ui.label(RichText::new("Keras / TF.js name").strong());
                }
                ui.end_row();
                for l in layers.iter().filter(|l| self.all_rows || l.cut.is_some()) {
                    match l.cut {
                        Some(i) => {
                            let here = i == cut;
                            let r = ui.radio(here, "").on_hover_text(format!("cut the network at {}", l.name));
                            if r.clicked() && !here {
                                cx.cmds.push(Command::UseCut(i));
                            }
                            let name = if here {
                                RichText::new(format!("{}  (cut)", l.name)).color(ACCENT).strong()
                            } else {
                                RichText::new(&l.name)
                            };
                            if ui
                                .selectable_label(i == viewing, name)
                                .on_hover_text("show this layer's activations")
                                .clicked()
                            {
                                cx.cmds.push(Command::ViewLayer(i));
                            }
                        }
                        None => {
                            ui.label("");
                            ui.label(RichText::new(&l.name).weak());
                        }
                    }
                    ui.label(&l.kind);
                    let [c, h, w] = l.shape;
                    ui.label(format!("{c}×{h}×{w}"));
                    ui.label(si(l.params));
                    ui.label(si(l.macs));
                    if aliases {
                        ui.label(
                            RichText::new(
                                l.cut.and_then(|i| bb.cuts().get(i)).and_then(|c| c.alias.clone()).unwrap_or_default(),
                            )
                            .weak(),
                        );
                    }
                    ui.end_row();
                }
            });
            // Up to the cut is what runs per frame; the rest (and ImageNet's classifier) only
            // for the top-5 guesses, so both totals are given.
            let upto = layers.iter().position(|l| l.cut == Some(cut)).map_or(layers.len(), |i| i + 1);
            let sum = |ls: &[crate::backbone::LayerInfo]| {
                (ls.iter().map(|l| l.params).sum::<usize>(), ls.iter().map(|l| l.macs).sum::<usize>())
            };
            let ((p_cut, m_cut), (p_all, m_all)) = (sum(&layers[..upto]), sum(&layers));
            ui.label(format!("Up to the cut: {} parameters, {} multiply-adds per picture.", si(p_cut), si(m_cut)));
            ui.label(
                RichText::new(format!(
                    "Whole network with its ImageNet classifier: {} parameters, {} multiply-adds.",
                    si(p_all),
                    si(m_all)
                ))
                .weak(),
            );
        });
    }
}

fn view(ui: &mut Ui, cx: &mut Ctx<'_>, bb: &Backbone) {
    let slot = cx.rt.features().map(|f| f.view().get());
    let view = slot.flatten();
    if let Some(v) = &view {
        cx.tex.update_view(ui.ctx(), v);
    }
    let layer = view.as_ref().map(|v| v.layer);
    let cut_point = layer.and_then(|l| bb.cuts().get(l));
    ui.heading(match cut_point {
        Some(c) => format!("What {} sees", c.name),
        None => "What the network sees".to_owned(),
    });
    let Some(v) = &view else {
        hint(ui, "waiting for the camera…");
        return;
    };
    let [c, h, w] = cut_point.map_or([0; 3], |c| c.shape);
    hint(
        ui,
        &format!(
            "{c} channels of {h} × {w}: each small picture is one filter's answer at every place of the image — bright where it fires. Move the object and watch them change."
        ),
    );
    ui.horizontal(|ui| {
        if let Some(t) = &cx.tex.input {
            ui.vertical(|ui| {
                ui.label("the network's input");
                ui.image((t.texture.id(), vec2(168.0, 168.0)));
            });
        }
        if let Some(t) = &cx.tex.atlas {
            ui.vertical(|ui| {
                let shown = &v.atlas.channels;
                ui.label(format!("channels {}–{} of {c}", shown.start, shown.end.saturating_sub(1)));
                let side = (ui.available_width() - 10.0).clamp(160.0, 400.0);
                let size = vec2(v.atlas.width as f32, v.atlas.height as f32);
                let scale = side / size.x.max(size.y).max(1.0);
                let r = ui.add(egui::Image::new((t.texture.id(), size * scale)).sense(Sense::hover()));
                if let Some(pos) = r.hover_pos() {
                    let p = (pos - r.rect.min) / scale;
                    if let Some(ch) = v.atlas.channel_at(p.x.max(0.0) as usize, p.y.max(0.0) as usize) {
                        r.on_hover_text(format!("channel {ch}"));
                    }
                }
            });
        }
    });
    if c > MAX_CHANNELS {
        let mut first = cx.settings.learn_first_channel.min(c - 1);
        if ui
            .add(
                egui::Slider::new(&mut first, 0..=c.saturating_sub(MAX_CHANNELS))
                    .step_by(MAX_CHANNELS as f64)
                    .text("first channel"),
            )
            .changed()
        {
            cx.settings.learn_first_channel = first;
        }
    }

    ui.add_space(8.0);
    ui.label(RichText::new("MobileNet's own guesses (ImageNet classes)").strong());
    hint(
        ui,
        "The frozen network was trained to name 1000 kinds of things. pacnet ignores these names and keeps only the features at the cut.",
    );
    if v.top5.is_empty() {
        hint(ui, "computing…");
    }
    for g in &v.top5 {
        confidence_bar(ui, &g.label, g.prob, None, false, 360.0);
    }

    ui.add_space(8.0);
    ui.label(RichText::new("The head you train").strong());
    let cut = cx.doc.map_or(bb.default_cut(), crate::live::doc::Document::cut);
    if let Some(cp) = bb.cuts().get(cut) {
        let units = cx.doc.and_then(|d| d.head()).map_or(cx.settings.hyper.units, crate::learn::Head::units);
        let classes = cx.doc.map_or(4, |d| d.classes().len());
        let [c, h, w] = cp.shape;
        ui.label(format!(
            "features at the cut {}: {c} × {h} × {w} = {} numbers per picture",
            cp.name,
            thousands(cp.len())
        ));
        ui.label(format!("then dense {units} units (ReLU), then {classes} classes (softmax)"));
        ui.label(RichText::new(head_size(cp.len(), units, classes)).size(16.0).color(ACCENT));
        let frozen: usize = bb.layers().iter().map(|l| l.params).sum();
        hint(
            ui,
            &format!(
                "Only these numbers are learned from your examples, in seconds; MobileNet's own {} stay frozen, as it learned them from ImageNet's 1.3 M photos.",
                si(frozen)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_size_is_written_like_the_issue_says() {
        assert_eq!(head_size(12_544, 100, 4), "12,544 × 100 + 100 + 100 × 4 = 1.25 M parameters");
        assert_eq!(head_size(1024, 10, 5), "1,024 × 10 + 10 + 10 × 5 = 10.3 k parameters");
    }
}
