import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** A clinician in the directory patients book from: nothing but who to book with. */
@ApiSchema({ name: 'ClinicianEntry' })
export class ClinicianEntryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Dr Alex Smith' })
  displayName: string;
}
