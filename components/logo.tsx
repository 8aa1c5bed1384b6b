export function LogoMark({ className = "h-7 w-7" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={className}>
      <rect width="32" height="32" rx="8" className="fill-indigo-600 dark:fill-indigo-500" />
      <circle cx="16" cy="16" r="8" fill="none" stroke="white" strokeWidth="3" />
      <path d="M16 11v10M12.5 14.5h7" stroke="white" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
