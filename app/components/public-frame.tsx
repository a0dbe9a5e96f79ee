/** The frame of Kept's public buyer pages (survey, thank-you, unsubscribe): no staff navigation. */
export function PublicFrame({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <main className="public">
      <header>
        <span aria-hidden="true">●</span> Kept · {label}
      </header>
      {children}
    </main>
  );
}
