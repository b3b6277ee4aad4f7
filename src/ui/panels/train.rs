//! Train: the hyperparameters, Train / Stop, the loss per batch and the accuracy per epoch as
//! live charts, a status line ("epoch 7/20 · loss 0.0123"), and afterwards the accuracy per
//! class and the confusion matrix.

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::learn::hyper::{BATCH_FRACTIONS, EPOCHS, LEARNING_RATES, UNITS};
use crate::learn::{Confusion, Hyper, TrainingRecord};

use super::super::app::RunProgress;
use super::super::commands::Command;
use super::super::lesson;
use super::Ctx;
use super::widgets::{ACCENT, hint};

/// The status line: `computing augmented views 40/768` until the first batch, then
/// `epoch 7/20 · loss 0.0123` while the kept head trains, then the validation heads' epoch,
/// the outcome afterwards.
#[must_use]
pub fn status_line(run: &RunProgress) -> String {
    if run.running
        && run.batch_loss.is_empty()
        && let Some((done, total)) = run.augmenting.filter(|&(_, total)| total > 0)
    {
        return format!("computing augmented views {done}/{total}");
    }
    if run.running && run.ready {
        let epoch = (run.validated + 1).min(run.epochs);
        return format!("the head is trained and steers · validating, epoch {epoch}/{}", run.epochs);
    }
    if run.running {
        let epoch = run.batch_loss.last().map_or(1, |p| (p[0].ceil() as usize).max(1));
        let loss = run.batch_loss.last().map_or_else(|| "…".to_owned(), |p| format!("{:.4}", p[1]));
        return format!("epoch {epoch}/{} · loss {loss}", run.epochs);
    }
    run.outcome.clone().unwrap_or_else(|| "not trained yet".to_owned())
}

/// Draws the panel.
pub fn ui(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let Some(doc) = cx.doc else {
        hint(ui, "The network is loading…");
        return;
    };
    ui.horizontal_wrapped(|ui| {
        let counts: Vec<String> =
            doc.classes().iter().enumerate().map(|(i, c)| format!("{c} {}", doc.count(i))).collect();
        ui.label(RichText::new(format!("{} examples:", doc.total())).strong());
        ui.label(counts.join(" · "));
    });
    let (_, unused) = doc.trainable_classes();
    if !unused.is_empty() {
        let names: Vec<&str> = unused.iter().map(|&c| doc.class_name(c)).collect();
        hint(
            ui,
            &format!(
                "Left out of training, no examples yet: {}. Pac-Man can only be steered by the classes you recorded.",
                names.join(", ")
            ),
        );
    }
    hint(
        ui,
        "Training fits a small network (the head) to the features MobileNet computed for your examples, and to slightly moved, lit and blurred copies of them. The head you keep trains on every example; validation trains extra heads with some examples kept aside and measures them on those, so it shows how well the recipe does on pictures it never trained on.",
    );
    if ui.link("what is happening here? (gradient descent, step by step)").clicked() {
        cx.cmds.push(Command::ShowDescent);
    }
    // Presenter mode keeps the class's eyes on Train and the charts; the knobs stay as set.
    if !cx.settings.presenter {
        ui.horizontal_wrapped(|ui| {
            let h = &mut cx.settings.hyper;
            let running = cx.run.running;
            ui.add_enabled_ui(!running, |ui| {
                menu(ui, "learning rate", &mut h.lr, &LEARNING_RATES, |v| format!("{v}"));
                menu(ui, "batch size", &mut h.batch_fraction, &BATCH_FRACTIONS, |v| {
                    format!("{:.0} % of the examples", v * 100.0)
                });
                menu(ui, "epochs", &mut h.epochs, &EPOCHS, |v| v.to_string());
                menu(ui, "hidden units", &mut h.units, &UNITS, |v| v.to_string());
                let demo = h.is_tfjs_demo();
                let mut pick = demo;
                egui::ComboBox::from_label("recipe").selected_text(if demo { "TF.js demo" } else { "pacnet" }).show_ui(
                    ui,
                    |ui| {
                        ui.selectable_value(&mut pick, false, "pacnet").on_hover_text(
                            "Normalised features and augmented views (16 per example, 768 at most in all), \
                             computed in the background as you record (see the README's benchmark).",
                        );
                        ui.selectable_value(&mut pick, true, "TF.js demo")
                            .on_hover_text("The original demo: raw features, no augmentation.");
                    },
                );
                if pick != demo {
                    // Only the recipe changes: the four menus above and the seed stay as chosen,
                    // except epochs still at the old recipe's default, which follow to the new
                    // one's (the demo's 20, pacnet's 40), so the preset shows the original.
                    let Hyper { lr, batch_fraction, epochs, units, seed, val_fraction, .. } = *h;
                    let (from, base) = if pick {
                        (Hyper::default(), Hyper::tfjs_demo())
                    } else {
                        (Hyper::tfjs_demo(), Hyper::default())
                    };
                    let epochs = if epochs == from.epochs { base.epochs } else { epochs };
                    *h = Hyper { lr, batch_fraction, epochs, units, seed, val_fraction, ..base };
                }
                let label = ui.label("seed");
                ui.add(egui::DragValue::new(&mut h.seed).range(0..=u32::MAX as u64))
                    .labelled_by(label.id)
                    .on_hover_text("Same seed and same examples: the same trained head.");
            });
        });
    }
    ui.horizontal(|ui| {
        if cx.run.running {
            if ui.button(RichText::new("Stop").size(18.0)).clicked() {
                cx.cmds.push(Command::StopTraining);
            }
        } else if ui.add_enabled(doc.total() > 0, egui::Button::new(RichText::new("Train").size(18.0))).clicked() {
            cx.cmds.push(Command::Train);
        }
        // With validation the bar covers the kept head's epochs, then the validation heads'.
        let per_phase = (cx.run.epochs * cx.run.batches_per_epoch).max(1) as f32;
        let done = match cx.run.split {
            Some((_, val)) if val > 0 => {
                (cx.run.batch_loss.len() + cx.run.validated * cx.run.batches_per_epoch) as f32 / (2.0 * per_phase)
            }
            _ => cx.run.batch_loss.len() as f32 / per_phase,
        };
        if cx.run.running {
            ui.add(egui::ProgressBar::new(done).desired_width(220.0));
        }
        ui.label(RichText::new(status_line(cx.run)).size(16.0).color(ACCENT));
        if let Some((train, val)) = cx.run.split {
            ui.label(format!("(the head trains on all {train}; validation measures {val} of them, kept aside)"));
        }
    });
    // A project just opened has no live run: chart what its last run recorded.
    let saved;
    let shown = match doc.training() {
        Some(record) if cx.run.epochs_done.is_empty() && !cx.run.running => {
            saved = RunProgress {
                epochs: record.epochs.len(),
                epochs_done: record.epochs.clone(),
                ..RunProgress::default()
            };
            &saved
        }
        _ if cx.run.epochs == 0 => {
            saved = RunProgress { epochs: cx.settings.hyper.epochs, ..RunProgress::default() };
            &saved
        }
        _ => cx.run,
    };
    ui.columns(2, |cols| {
        if let [left, right] = cols {
            loss_chart(left, shown, cx.cmds);
            accuracy_chart(right, shown, cx.cmds);
        }
    });
    if let Some(record) = doc.training() {
        ui.separator();
        results(ui, record, cx.cmds);
    }
}

fn menu<T: PartialEq + Copy>(ui: &mut Ui, label: &str, value: &mut T, options: &[T], show: impl Fn(T) -> String) {
    let l = ui.label(label);
    egui::ComboBox::from_id_salt(label)
        .selected_text(show(*value))
        .show_ui(ui, |ui| {
            for &o in options {
                ui.selectable_value(value, o, show(o));
            }
        })
        .response
        .labelled_by(l.id);
    ui.add_space(8.0);
}

fn loss_chart(ui: &mut Ui, run: &RunProgress, cmds: &mut Vec<Command>) {
    ui.label(RichText::new("Loss per batch").strong());
    let val: Vec<[f64; 2]> =
        run.epochs_done.iter().filter_map(|e| e.val_loss.map(|v| [e.epoch as f64, f64::from(v)])).collect();
    let train: Vec<[f64; 2]> = run.epochs_done.iter().map(|e| [e.epoch as f64, f64::from(e.train_loss)]).collect();
    let r = Plot::new("loss")
        .height(220.0)
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .include_y(0.0)
        .include_y(if run.batch_loss.is_empty() { 1.0 } else { 0.0 })
        .include_x(0.0)
        .include_x(run.epochs.max(1) as f64)
        .x_axis_label("epoch")
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(Line::new("batch loss", PlotPoints::from(run.batch_loss.clone())).color(Color32::from_gray(150)));
            p.line(Line::new("epoch mean", PlotPoints::from(train)).color(Color32::from_rgb(120, 200, 255)).width(2.0));
            p.line(
                Line::new("validation loss", PlotPoints::from(val)).color(Color32::from_rgb(240, 120, 60)).width(2.0),
            );
        });
    lesson::chart_menu(&r.response, "loss chart", true, cmds);
}

fn accuracy_chart(ui: &mut Ui, run: &RunProgress, cmds: &mut Vec<Command>) {
    ui.label(RichText::new("Accuracy per epoch").strong());
    let train: Vec<[f64; 2]> = run.epochs_done.iter().map(|e| [e.epoch as f64, f64::from(e.train_acc)]).collect();
    let val: Vec<[f64; 2]> =
        run.epochs_done.iter().filter_map(|e| e.val_acc.map(|v| [e.epoch as f64, f64::from(v)])).collect();
    let r = Plot::new("accuracy")
        .height(220.0)
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .include_y(0.0)
        .include_y(1.0)
        .include_x(0.0)
        .include_x(run.epochs.max(1) as f64)
        .x_axis_label("epoch")
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(Line::new("training", PlotPoints::from(train)).color(Color32::from_rgb(90, 140, 220)).width(2.0));
            // Dashed, so a validation line on top of the training line (both at 100 %) leaves it visible.
            p.line(
                Line::new("validation", PlotPoints::from(val))
                    .color(Color32::from_rgb(240, 120, 60))
                    .width(2.0)
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
        });
    lesson::chart_menu(&r.response, "accuracy chart", true, cmds);
}

fn results(ui: &mut Ui, report: &TrainingRecord, cmds: &mut Vec<Command>) {
    let (which, confusion) = match &report.val {
        Some(v) => ("validation examples (kept aside)", v),
        None => ("training examples (too few examples to keep some aside)", &report.train),
    };
    ui.label(RichText::new(format!("How the trained head does on the {which}")).strong());
    if let (Some(how), Some(v)) = (&report.validation, &report.val) {
        hint(
            ui,
            &format!(
                "Validation: {}. The estimate rests on {} examples, so one mistake moves it by {:.1} points.",
                how.describe(report.train.total()),
                v.total(),
                100.0 / v.total().max(1) as f64
            ),
        );
    }
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| per_class(ui, confusion));
        ui.add_space(30.0);
        ui.vertical(|ui| matrix(ui, confusion, cmds));
    });
    hint(
        ui,
        "Each row is what the example really was, each column what the head said. Everything on the diagonal is right; a big number elsewhere shows two poses the head mixes up — record more of them, more different.",
    );
}

fn per_class(ui: &mut Ui, c: &Confusion) {
    egui::Grid::new("per-class").striped(true).show(ui, |ui| {
        ui.label(RichText::new("class").strong());
        ui.label(RichText::new("accuracy").strong());
        ui.end_row();
        for a in c.per_class() {
            ui.label(&a.class);
            ui.label(
                a.accuracy()
                    .map_or_else(|| "—".to_owned(), |v| format!("{:.0} % ({}/{})", v * 100.0, a.correct, a.total)),
            );
            ui.end_row();
        }
    });
}

fn matrix(ui: &mut Ui, c: &Confusion, cmds: &mut Vec<Command>) {
    let classes = c.classes();
    let max = (0..classes.len())
        .flat_map(|i| (0..classes.len()).map(move |j| (i, j)))
        .map(|(i, j)| c.count(i, j))
        .max()
        .unwrap_or(0)
        .max(1);
    let grid = egui::Grid::new("confusion").spacing([4.0, 4.0]).show(ui, |ui| {
        ui.label(RichText::new("true \\ said").weak());
        for name in classes {
            ui.label(RichText::new(name).strong());
        }
        ui.end_row();
        for (i, name) in classes.iter().enumerate() {
            ui.label(RichText::new(name).strong());
            for j in 0..classes.len() {
                let n = c.count(i, j);
                let strength = n as f32 / max as f32;
                let base = if i == j { Color32::from_rgb(60, 160, 90) } else { Color32::from_rgb(200, 70, 60) };
                let fill =
                    if n == 0 { ui.visuals().extreme_bg_color } else { base.gamma_multiply(0.25 + 0.75 * strength) };
                egui::Frame::new().fill(fill).inner_margin(egui::vec2(10.0, 4.0)).corner_radius(3.0).show(ui, |ui| {
                    ui.label(RichText::new(n.to_string()).color(Color32::WHITE));
                });
            }
            ui.end_row();
        }
    });
    lesson::chart_menu(&grid.response.interact(egui::Sense::click()), "confusion matrix", false, cmds);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_shows_epoch_and_loss_while_training() {
        let mut run = RunProgress { running: true, epochs: 20, batches_per_epoch: 3, ..RunProgress::default() };
        assert_eq!(status_line(&run), "epoch 1/20 · loss …");
        run.augmenting = Some((40, 768));
        assert_eq!(status_line(&run), "computing augmented views 40/768");
        run.augmenting = Some((0, 0));
        assert_eq!(status_line(&run), "epoch 1/20 · loss …", "every view was cached");
        run.augmenting = Some((768, 768));
        run.batch_loss.push([6.0 + 2.0 / 3.0, 0.012_34]);
        assert_eq!(status_line(&run), "epoch 7/20 · loss 0.0123");
        run.ready = true;
        assert_eq!(status_line(&run), "the head is trained and steers · validating, epoch 1/20");
        run.validated = 20;
        assert_eq!(status_line(&run), "the head is trained and steers · validating, epoch 20/20");
        run.running = false;
        run.outcome = Some("trained in 1.2 s".into());
        assert_eq!(status_line(&run), "trained in 1.2 s");
    }
}
