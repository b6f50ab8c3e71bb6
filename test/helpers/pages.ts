// Reading a paginated List page by page, to check what each page holds.

/** The items of every page, page by page, from the first until the one with no next page. */
export async function readPages<Page extends { nextPageToken: string }, T>(
  read: (pageToken: string) => Promise<Page>,
  items: (page: Page) => T[],
): Promise<T[][]> {
  const pages: T[][] = [];
  let pageToken = "";
  do {
    const page = await read(pageToken);
    pages.push(items(page));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return pages;
}
