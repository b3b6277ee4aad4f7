//! The desktop app: egui panels only. Panels draw state and record commands; the model, the
//! camera and the game live in their own modules and run on worker threads.

pub mod game_view;

/// Options of `pacnet app`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AppArgs {
    /// Model directory or Hugging Face repo id (default: $PACNET_MODEL, else the pinned MobileNet V3).
    #[arg(long)]
    pub model: Option<String>,
}

/// Opens the main window and runs until it is closed.
pub fn run_app(args: AppArgs) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1280.0, 800.0]).with_title("pacnet"),
        ..Default::default()
    };
    eframe::run_native("pacnet", options, Box::new(move |_cc| Ok(Box::new(Shell { args }))))
        .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}

struct Shell {
    #[allow(dead_code)]
    args: AppArgs,
}

impl eframe::App for Shell {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("pacnet");
            ui.label("Record · Train · Play · Learn — panels coming.");
        });
    }
}
