//! The printed result: a plain table for terminals, Markdown for
//! BENCHMARKS.md (`--markdown`).

use crate::load::Outcome;
use crate::phase::LoadReport;
use crate::{Args, SeedReport, procfs};

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn cpu(p: f64) -> String {
    if p.is_finite() { format!("{p:.0}%") } else { "n/a".into() }
}

pub fn report(
    args: &Args,
    seed: &SeedReport,
    db_size: Option<u64>,
    load: &LoadReport,
    load_before: Option<String>,
) {
    let machine = procfs::machine();
    let machine_line = format!(
        "{} CPUs ({}), {} RAM",
        machine.cpus,
        machine.model,
        machine.mem_gib.map_or_else(|| "unknown".into(), |g| format!("{g:.1} GiB"))
    );
    let seeding_line = if seed.skipped {
        let extra = seed.users_in_db.saturating_sub(seed.target.total);
        let created = if extra > 0 {
            format!(", {extra} of them created by earlier runs' create scenario")
        } else {
            String::new()
        };
        format!("skipped (--reuse: {} users already there{created})", seed.users_in_db)
    } else {
        format!(
            "{} users in {:.2} s = {:.0} users/s via Store::import_users, {} import(s) of \
             {} in flight; closing the store took {:.2} s",
            seed.inserted,
            seed.seconds,
            seed.inserted as f64 / seed.seconds.max(1e-9),
            seed.in_flight,
            crate::bulk::CHUNK,
            seed.close_seconds
        )
    };
    let db_line = format!(
        "{} ({} users before the run{})",
        args.database_url,
        seed.users_in_db,
        db_size
            .map_or(String::new(), |b| format!(", {:.1} MiB on disk", b as f64 / 1024.0 / 1024.0))
    );
    let walk = &load.walk;
    let walk_line = format!(
        "{} pages of limit={} to position {} in {:.2} s ({:.0} users/s over one connection); \
         {} ids sampled for GET",
        walk.pages,
        walk.limit,
        walk.deep_position,
        walk.seconds,
        walk.deep_position as f64 / walk.seconds.max(1e-9),
        walk.ids.len()
    );
    let load_line = format!(
        "{} keep-alive connections, {} client thread(s), closed loop; {:.0} s warm-up + {:.0} s measured per scenario",
        args.connections,
        args.client_threads.max(1),
        args.warmup,
        args.duration
    );
    let ceiling = load.ceiling_rate();
    let ratio =
        |o: &Outcome| ceiling.map_or_else(|| "n/a".into(), |c| format!("{:.3}", o.rate() / c));
    let header: Vec<String> = [
        "scenario",
        "req/s",
        "× ceiling",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "errors",
        "server CPU",
        "bench CPU",
        "server RSS",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows: Vec<Vec<String>> = load
        .outcomes
        .iter()
        .map(|o| {
            vec![
                o.name.clone(),
                format!("{:.0}", o.rate()),
                ratio(o),
                format!("{:.2}", o.percentile_ms(50.0)),
                format!("{:.2}", o.percentile_ms(99.0)),
                format!("{:.2}", o.percentile_ms(99.9)),
                format!("{}/{}", o.errors, o.requests),
                cpu(o.server_cpu),
                cpu(o.bench_cpu),
                mib(o.server_rss_kib),
            ]
        })
        .collect();
    let single_header: Vec<String> =
        ["scenario (one connection)", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors"]
            .map(str::to_owned)
            .to_vec();
    let single_rows: Vec<Vec<String>> = load
        .single
        .iter()
        .map(|o| {
            vec![
                o.name.clone(),
                format!("{:.0}", o.rate()),
                format!("{:.2}", o.percentile_ms(50.0)),
                format!("{:.2}", o.percentile_ms(99.0)),
                format!("{:.2}", o.percentile_ms(99.9)),
                format!("{}/{}", o.errors, o.requests),
            ]
        })
        .collect();
    let ceiling_line = if load.ceiling.is_empty() {
        "not measured (--no-ceiling)".to_owned()
    } else {
        let runs: Vec<String> = load
            .ceiling
            .iter()
            .map(|o| {
                format!(
                    "{:.0} req/s (p99 {:.2} ms, {} errors, server CPU {})",
                    o.rate(),
                    o.percentile_ms(99.0),
                    o.errors,
                    cpu(o.server_cpu)
                )
            })
            .collect();
        format!(
            "a bare hyper server answering the same user JSON: {} before the scenarios, {} after; \
             ratios use the mean",
            runs.first().map_or("n/a", String::as_str),
            runs.get(1).map_or("n/a", String::as_str)
        )
    };
    let rss_line = format!(
        "peak {} (VmHWM), {} at the end (VmRSS)",
        mib(load.peak_rss_kib),
        mib(load.end_rss_kib)
    );
    let load_average = format!(
        "{} at the start, {} at the end (1/5/15 min)",
        load_before.as_deref().unwrap_or("n/a"),
        machine.load.as_deref().unwrap_or("n/a")
    );
    let mut facts = vec![
        ("machine", machine_line),
        ("load average", load_average),
        ("database", db_line),
        ("seeding", seeding_line),
        (
            "server",
            format!(
                "{} (ready in {:.0} ms; stop on SIGTERM: {})",
                load.binary.display(),
                load.ready_in.as_secs_f64() * 1000.0,
                load.stopped
            ),
        ),
        ("walk", walk_line),
        ("load", load_line),
        ("ceiling", ceiling_line),
    ];
    facts.extend(load.notes.iter().map(|n| ("note", n.clone())));
    for (what, line) in &facts {
        if args.markdown {
            println!("- {what}: {line}");
        } else {
            println!("  {what:<13} {line}");
        }
    }
    println!();
    print_table(args.markdown, &header, &rows);
    if !single_rows.is_empty() {
        println!();
        print_table(args.markdown, &single_header, &single_rows);
    }
    println!();
    let cpu_line = format!(
        "CPU columns: percent of one core over the measured window ({} cores in all)",
        machine.cpus
    );
    if args.markdown {
        println!("- server RSS: {rss_line}");
        println!("- {cpu_line}");
    } else {
        println!("  server RSS: {rss_line}");
        println!("  {cpu_line}");
    }
}

fn print_table(markdown: bool, header: &[String], rows: &[Vec<String>]) {
    if markdown {
        println!("| {} |", header.join(" | "));
        let rule: String =
            (0..header.len()).map(|i| if i == 0 { "---|" } else { "---:|" }).collect();
        println!("|{rule}");
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| if i == 0 { format!("`{c}`") } else { c.clone() })
                .collect();
            println!("| {} |", cells.join(" | "));
        }
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(c.chars().count());
            if i == 0 {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            }
        }
        out
    };
    println!("{}", line(header));
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)));
    for row in rows {
        println!("{}", line(row));
    }
}
