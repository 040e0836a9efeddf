import type { HttpApp } from '@reportline/platform';

export function dashboardRoutes(_app: HttpApp) {}
