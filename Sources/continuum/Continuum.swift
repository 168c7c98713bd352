import ArgumentParser

/// The `continuum` command: one executable for every role (see CONVENTIONS.md).
@main
struct Continuum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum",
        abstract: "Runs untrusted Python tasks from PostgreSQL in locked-down sandboxes.",
        subcommands: [NodeCommand.self, SubmitCommand.self, StatusCommand.self, MigrateCommand.self, ExecCommand.self]
    )
}
